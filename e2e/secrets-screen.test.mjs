// The secrets screen as issue 8 asked for it, through the real app: the
// details view (every field whole, copy, copy as .env, "Hide" while shown),
// confirmations for deactivating and removing a usage (with Undo), the
// reasons a row's values cannot be read and the warning before scoping a
// secret away from oneself, asking before discarding a filled-in form,
// hidden matches of a search, tags, and the list scrolling back to the top
// when a filter changes. One ordered suite on one app session.
import assert from "node:assert/strict";
import { after, describe } from "node:test";

import { Key } from "webdriverio";

import { Run, click, clipboard, gone, innerText, isOn, setSwitch, shown, textOf, tid, toastTexts, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Screen#2024" };

// A certificate long enough to need scrolling, with CRLF line endings, a
// tab, trailing spaces and non-ASCII text: shown and copied byte for byte.
const CERT =
  "-----BEGIN CERTIFICATE-----\r\n" +
  Array.from({ length: 30 }, (_, i) => `MIIC${String(i).padStart(2, "0")}zCCAbegAwIBAgIUX\tq8+Wm/é€ü 秘密  `).join("\r\n") +
  "\r\n-----END CERTIFICATE-----\r\n";

describe("the secrets screen (issue 8)", () => {
  const run = new Run("secrets-screen");
  /** @type {WebdriverIO.Browser} */
  let b;
  /** Secret ids by key. */
  const ids = {};

  after(async () => {
    await run.close();
  });

  const cli = (args, opts = {}) => run.cliOk(args, { ...OLGA, ...opts });

  /** The id the CLI printed on the last line. */
  function added(args) {
    const out = cli(["add", ...args]).trim().split("\n");
    return out[out.length - 1].trim();
  }

  async function toastWith(text) {
    await b.waitUntil(async () => (await toastTexts(b)).some((t) => t.includes(text)), { timeoutMsg: `no toast saying "${text}"` });
  }

  /** Empties the search box as a user would (WebDriver's clear bypasses React). */
  async function clearSearch() {
    const el = await shown(b, "search");
    await el.click();
    await b.keys([Key.Ctrl, "a"]);
    await b.keys(Key.Backspace);
    await b.waitUntil(async () => (await el.getValue()) === "", { timeout: 5000, timeoutMsg: "the search box did not clear" });
  }

  /** textContent: exact characters (innerText may rewrite line endings). */
  const exactText = (id) => b.$(tid(id)).getProperty("textContent");

  run.step("setup: a vault with departments and secrets (CLI), the app signed in", async () => {
    // Cheap password hashing: this suite runs the CLI a hundred times (the app shows the test-vault banner).
    cli(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin", "--insecure-test-kdf"], {
      stdin: `${OLGA.password}\n`,
      password: undefined,
    });
    cli(["dept", "add", "FIN", "--name", "Finance"]);
    cli(["dept", "add", "OPS", "--name", "Operations"]);
    ids.TLS_CERT = added(["TLS_CERT", "--field", `cert=${CERT}`, "--field", "password=pw-Zq8-e2e", "--all-depts", "--description", "Web server certificate"]);
    ids.OPS_TOKEN = added(["OPS_TOKEN", "--value", "ops-only", "--dept", "OPS", "--tag", "ops"]);
    b = await run.launch();
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await shown(b, `secret-row-TLS_CERT`);
  });

  run.step("item 2: the details show every field whole, copy each one and the whole secret as .env; the reveal says Hide while shown", async () => {
    const id = ids.TLS_CERT;
    await click(b, `details-${id}`);
    const dialog = await shown(b, "secret-details");
    assert.match(await innerText(dialog), /Web server certificate/);
    assert.equal(await b.$(tid("details-value-cert")).isExisting(), false, "values are hidden until shown");

    await click(b, "details-reveal");
    await shown(b, "details-value-cert");
    assert.equal(await exactText("details-value-cert"), CERT, "the whole certificate, byte for byte");
    assert.equal(await exactText("details-value-password"), "pw-Zq8-e2e");
    assert.equal((await textOf(b, "details-reveal")).trim(), "Hide values");
    // A long value scrolls inside its block, wrapped, never cut off sideways.
    const box = await b.execute(() => {
      const el = document.querySelector('[data-testid="details-value-cert"]');
      return { sh: el.scrollHeight, ch: el.clientHeight, sw: el.scrollWidth, cw: el.clientWidth, ws: getComputedStyle(el).whiteSpace };
    });
    assert.ok(box.sh > box.ch, `the block scrolls vertically: ${JSON.stringify(box)}`);
    assert.ok(box.sw <= box.cw + 1, `no horizontal overflow: ${JSON.stringify(box)}`);
    assert.equal(box.ws, "pre-wrap");
    // The row's eye button says Hide too (its tooltip is its title).
    assert.equal(await b.$(tid(`reveal-${id}`)).getAttribute("title"), "Hide values of TLS_CERT");

    await click(b, "details-copy-password");
    await toastWith("Copied password");
    assert.equal(clipboard().out, "pw-Zq8-e2e");
    await click(b, "details-copy-env");
    await toastWith("Copied TLS_CERT as .env");
    assert.equal(clipboard().out, cli(["get", "TLS_CERT", "--env"]), "the clipboard holds what `coffer get --env` prints");

    await click(b, "details-reveal");
    await gone(b, "details-value-cert", 5000);
    assert.equal((await textOf(b, "details-reveal")).trim(), "Show values");
    assert.equal(await b.$(tid(`reveal-${id}`)).getAttribute("title"), "Reveal values of TLS_CERT");
    await b.keys(Key.Escape);
    await gone(b, "secret-details", 5000);
  });

  run.step("item 3: deactivating asks first and names the usages; Undo; the row stays greyed until Refresh", async () => {
    const id = ids.TLS_CERT;
    const usageOut = cli(["usage", "add", id, "--name", "nightly-etl", "--kind", "pipeline"]).trim().split("\n");
    ids.usage = usageOut[usageOut.length - 1].trim();
    const row = () => b.$(tid("secret-row-TLS_CERT"));
    const gets = () => run.cli(["get", "TLS_CERT", "--field", "password"], OLGA).status;

    await click(b, `toggle-active-${id}`);
    let dialog = await shown(b, "deactivate-dialog");
    await shown(b, `deactivate-usage-${ids.usage}`);
    assert.match(await innerText(dialog), /TLS_CERT is in use/);
    assert.match(await innerText(dialog), /nightly-etl/);
    assert.equal((await textOf(b, "deactivate-confirm")).trim(), "Deactivate anyway");
    await click(b, "deactivate-cancel");
    await gone(b, "deactivate-dialog", 5000);
    assert.equal(await isOn(b, `toggle-active-${id}`), true, "Cancel left it active");
    assert.equal(gets(), 0, "and `get` still returns it");

    await click(b, `toggle-active-${id}`);
    dialog = await shown(b, "deactivate-dialog");
    await shown(b, `deactivate-usage-${ids.usage}`);
    await click(b, "deactivate-confirm");
    await gone(b, "deactivate-dialog", 5000);
    await toastWith("Deactivated TLS_CERT");
    await b.waitUntil(async () => /\bis-dormant\b/.test((await row().getAttribute("class")) ?? ""), {
      timeout: 5000,
      timeoutMsg: "the row did not stay in view, greyed",
    });
    assert.equal(await isOn(b, `toggle-active-${id}`), false);
    assert.equal(gets(), 1, "`get` stops returning it");

    await click(b, "toast-action"); // Undo
    await toastWith("Activated TLS_CERT");
    await b.waitUntil(async () => !/\bis-dormant\b/.test((await row().getAttribute("class")) ?? ""), {
      timeout: 5000,
      timeoutMsg: "Undo did not make the row active again",
    });
    assert.equal(gets(), 0, "after Undo, `get` returns it again");

    // Deactivated once more, it leaves the default view on Refresh.
    await click(b, `toggle-active-${id}`);
    await shown(b, `deactivate-usage-${ids.usage}`);
    await click(b, "deactivate-confirm");
    await toastWith("Deactivated TLS_CERT");
    await shown(b, "secret-row-TLS_CERT");
    await click(b, "refresh");
    await row().waitForDisplayed({ reverse: true, timeoutMsg: "the inactive row stayed after Refresh" });
    cli(["activate", id]);
    await click(b, "refresh");
    await shown(b, "secret-row-TLS_CERT");
  });

  run.step("item 3: removing a usage asks first", async () => {
    const id = ids.TLS_CERT;
    const listed = () => cli(["usage", "list", id]);
    await click(b, `usages-${id}`);
    await shown(b, "usages-dialog");
    await click(b, `remove-usage-${ids.usage}`);
    const row = await shown(b, `usage-${ids.usage}`);
    assert.match(await innerText(row), /could then be deleted/);
    await click(b, `cancel-remove-usage-${ids.usage}`);
    await shown(b, `remove-usage-${ids.usage}`);
    assert.match(listed(), /nightly-etl/, "Keep kept it");

    await click(b, `remove-usage-${ids.usage}`);
    await click(b, `confirm-remove-usage-${ids.usage}`);
    await gone(b, `usage-${ids.usage}`, 5000);
    await toastWith("Removed usage nightly-etl");
    assert.doesNotMatch(listed(), /nightly-etl/, "the CLI agrees it is gone");
    const focus = await b.execute(() =>
      document.activeElement?.closest('[data-testid="usages-dialog"]') ? null : (document.activeElement?.outerHTML.slice(0, 150) ?? "nothing"),
    );
    assert.equal(focus, null, "focus stays in the dialog after removing");
    await b.keys(Key.Escape);
    await gone(b, "usages-dialog", 5000);
  });

  run.step("item 4: a row says why its values cannot be read; the dialog warns before scoping a secret away from oneself", async () => {
    // olga (owner) is in DEFAULT only: OPS_TOKEN is listed for her, but not readable.
    const why = await shown(b, `unreadable-${ids.OPS_TOKEN}`);
    assert.equal((await innerText(why)).trim(), "not in scope");
    assert.match((await why.getAttribute("title")) ?? "", /not in this secret's scope/);
    assert.equal(await b.$(tid(`reveal-${ids.OPS_TOKEN}`)).isExisting(), false);
    assert.equal(await b.$(tid(`unreadable-${ids.TLS_CERT}`)).isExisting(), false, "a readable row has no reason");

    await click(b, "new-secret");
    await shown(b, "secret-dialog");
    assert.equal(await b.$(tid("scope-unreadable")).isExisting(), false, "her own department: no warning");
    await click(b, "secret-departments");
    await click(b, "dept-option-OPS");
    await click(b, "dept-option-DEFAULT");
    await b.keys(Key.Escape); // closes the list only
    const warning = await shown(b, "scope-unreadable");
    assert.match(await innerText(warning), /You will not be able to read this secret/);
    assert.match(await innerText(warning), /not a member of OPS/);
  });

  run.step("item 7: Esc and Cancel on a filled-in form ask before discarding it", async () => {
    await type(b, "secret-key", "HALF_DONE");
    await b.keys(Key.Escape);
    const ask = await shown(b, "discard-dialog");
    assert.match(await innerText(ask), /Discard this new secret\?/);
    await click(b, "discard-cancel");
    await gone(b, "discard-dialog", 5000);
    assert.equal(await b.$(tid("secret-key")).getValue(), "HALF_DONE", "Keep editing kept what was typed");

    await click(b, "secret-cancel");
    await shown(b, "discard-dialog");
    await b.keys(Key.Escape); // closes the question, not the form
    await gone(b, "discard-dialog", 5000);
    assert.ok(await b.$(tid("secret-dialog")).isDisplayed(), "the form is still open");

    await click(b, "secret-cancel");
    await click(b, "discard-confirm");
    await gone(b, "secret-dialog");
    assert.doesNotMatch(cli(["list", "--all"]), /HALF_DONE/, "nothing was saved");

    // An untouched form closes at once.
    await click(b, "new-secret");
    await shown(b, "secret-dialog");
    // Escape goes to the focused dialog: wait for its key field's focus.
    await b.waitUntil(async () => b.execute(() => document.activeElement?.getAttribute("data-testid") === "secret-key"), {
      timeoutMsg: "the new dialog's key field never took the focus",
    });
    await b.keys(Key.Escape);
    await gone(b, "secret-dialog");
    assert.equal(await b.$(tid("discard-dialog")).isExisting(), false);
  });

  run.step("item 15: comma lists add several tags, a duplicate says so and clears the box; tags sort naturally and can be searched", async () => {
    await click(b, "new-secret");
    await shown(b, "secret-dialog");
    await type(b, "secret-key", "TAGGED");
    await type(b, "field-value-0", "tagged-value");
    const input = await shown(b, "secret-tag-input");
    await input.click();
    await input.addValue("team-2, team-10,");
    await shown(b, "tag-chip-team-2");
    await shown(b, "tag-chip-team-10");
    await input.addValue(`team-2${Key.Enter}`);
    assert.equal((await textOf(b, "secret-tag-error")).trim(), "“team-2” is already there.");
    assert.equal(await input.getValue(), "", "the duplicate's text does not stay in the box");
    await input.addValue(`team-1${Key.Enter}`);
    await shown(b, "tag-chip-team-1");
    await click(b, "secret-save");
    await gone(b, "secret-dialog");
    await toastWith("Created TAGGED");
    assert.deepEqual(
      JSON.parse(cli(["list", "--search", "TAGGED", "--json"])).find((s) => s.key === "TAGGED")?.tags.sort(),
      ["team-1", "team-10", "team-2"],
    );

    await click(b, "tag-filter");
    const options = async () => b.execute(() => Array.from(document.querySelectorAll('[role="option"]'), (o) => o.textContent));
    await b.waitUntil(async () => (await options()).length > 1, { timeout: 5000, timeoutMsg: "the tag list did not open" });
    const tags = (await options()).filter((o) => o.startsWith("#team-"));
    assert.deepEqual(tags, ["#team-1", "#team-2", "#team-10"], "natural order");
    await type(b, "tag-filter-search", "team-1");
    await b.waitUntil(async () => JSON.stringify(await options()) === JSON.stringify(["#team-1", "#team-10"]), {
      timeout: 5000,
      timeoutMsg: "searching the tags did not narrow the list",
    });
    // Esc clears the search first, then closes the list.
    await b.keys(Key.Escape);
    await b.waitUntil(async () => (await options()).length > 2, { timeout: 5000, timeoutMsg: "Esc did not clear the tag search" });
    await b.keys(Key.Escape);
    await b.waitUntil(async () => (await options()).length === 0, { timeout: 5000, timeoutMsg: "the tag list did not close" });

    await click(b, "department-filter");
    await b.waitUntil(async () => (await options()).includes("OPS — Operations"), {
      timeout: 5000,
      timeoutMsg: "the department filter does not say CODE — Name",
    });
    assert.ok((await options()).includes("FIN — Finance"));
    await b.keys(Key.Escape);
  });

  run.step("item 14: a search that hides inactive and expired matches says so, and shows them", async () => {
    added(["OLD_TOKEN", "--value", "o", "--all-depts", "--inactive"]);
    added(["EXPIRED_TOKEN", "--value", "e", "--all-depts", "--expires", "2020-01-01"]);
    await click(b, "refresh");
    await type(b, "search", "token");
    const note = await shown(b, "hidden-matches");
    assert.match(await innerText(note), /2 hidden matches \(inactive or expired\): show them/);
    assert.equal(await b.$(tid("secret-row-OLD_TOKEN")).isExisting(), false);
    await click(b, "show-hidden-matches");
    await shown(b, "secret-row-OLD_TOKEN");
    await shown(b, "secret-row-EXPIRED_TOKEN");
    assert.equal(await isOn(b, "show-inactive"), true, "the switch says what is shown");
    await gone(b, "hidden-matches", 5000);
    await setSwitch(b, "show-inactive", false);
    await clearSearch();
  });

  run.step("item 11: changing a filter or the search starts the list again at its top", async () => {
    for (let i = 0; i < 40; i++) cli(["add", `FILLER_${String(i).padStart(2, "0")}`, "--value", `f${i}`, "--all-depts", "--tag", "filler"]);
    await click(b, "refresh");
    await shown(b, "secret-row-FILLER_00");
    const scrollTop = () => b.execute(() => document.querySelector(".table-scroll").scrollTop);
    const scrollDown = () =>
      b.execute(() => {
        const el = document.querySelector(".table-scroll");
        el.scrollTop = el.scrollHeight;
        return el.scrollTop;
      });
    assert.ok((await scrollDown()) > 0, "the list is long enough to scroll");

    await type(b, "search", "FILLER");
    await b.waitUntil(async () => (await scrollTop()) === 0, { timeout: 5000, timeoutMsg: "the search left the list scrolled down" });
    await shown(b, "secret-row-FILLER_00");

    assert.ok((await scrollDown()) > 0);
    await click(b, "tag-filter");
    await type(b, "tag-filter-search", "filler");
    await b.keys(Key.Enter);
    await b.waitUntil(async () => (await scrollTop()) === 0, { timeout: 5000, timeoutMsg: "the tag filter left the list scrolled down" });
    await clearSearch();
    await click(b, "tag-filter");
    await type(b, "tag-filter-search", "all tags");
    await b.keys(Key.Enter);
  });

  run.step("item 16: history says what each version changed", async () => {
    cli(["update", ids.TLS_CERT, "--set-field", "password=pw-rotated-e2e"]);
    await click(b, "refresh");
    await type(b, "search", "TLS_CERT");
    await click(b, `history-${ids.TLS_CERT}`);
    await shown(b, "history-dialog");
    assert.match(await textOf(b, "changes-2"), /Changed: the value of password\./);
    assert.match(await textOf(b, "changes-1"), /Created\./);
    await b.keys(Key.Escape);
    await gone(b, "history-dialog", 5000);
  });
});
