import { describe, expect, it } from "vitest";

import { applyShownEdit, exactOffset, lineCount, replaceShownRange, shownText } from "./exactText";

const PEM_CRLF = "-----BEGIN KEY-----\r\nMIIB\tAbc  \r\nxyz\r\n-----END KEY-----\r\n";

describe("exact text under a textarea", () => {
  it("shows CRLF and lone CR as LF", () => {
    expect(shownText("a\r\nb\rc\nd")).toBe("a\nb\nc\nd");
    expect(shownText("été\t ")).toBe("été\t ");
  });

  it("maps shown offsets past CRLF pairs", () => {
    const exact = "ab\r\ncd";
    expect(exactOffset(exact, 0)).toBe(0);
    expect(exactOffset(exact, 2)).toBe(2);
    expect(exactOffset(exact, 3)).toBe(4); // after the shown "\n"
    expect(exactOffset(exact, 5)).toBe(6);
    expect(exactOffset(exact, 99)).toBe(6);
  });

  it("keeps untouched CRLFs when typing elsewhere", () => {
    const shown = shownText(PEM_CRLF);
    const typed = shown.replace("xyz", "xyzQ");
    expect(applyShownEdit(PEM_CRLF, shown, typed)).toBe(PEM_CRLF.replace("xyz", "xyzQ"));
  });

  it("deletes a CRLF as one line break", () => {
    const exact = "a\r\nb";
    expect(applyShownEdit(exact, "a\nb", "ab")).toBe("ab");
  });

  it("inserts pasted text exactly, replacing a selection", () => {
    const exact = "x\r\nSELECTED\r\ny";
    const shown = shownText(exact);
    const start = shown.indexOf("SELECTED");
    const out = replaceShownRange(exact, start, start + "SELECTED".length, "one\r\ntwo\tthree  ");
    expect(out).toBe("x\r\none\r\ntwo\tthree  \r\ny");
  });

  it("leaves a value without CRs exactly as the textarea reports it", () => {
    const before = "line one\nline two";
    const after = "line one\nline two, more\n";
    expect(applyShownEdit(before, before, after)).toBe(after);
    expect(applyShownEdit("", "", "é€😀")).toBe("é€😀");
  });

  it("handles repeated characters at the edit point", () => {
    expect(applyShownEdit("aaa", "aaa", "aaaa")).toBe("aaaa");
    expect(applyShownEdit("a\r\n\r\na", "a\n\na", "a\na")).toBe("a\r\na");
  });

  it("counts shown lines", () => {
    expect(lineCount("")).toBe(1);
    expect(lineCount("a\r\nb\rc\n")).toBe(4);
  });
});
