// The secrets table holds at every window size (issue 8, point 8): at
// 900×600, 1280×800 and 1920×1080 no two cells of a row overlap and no
// cell's content spills into another, headers and field names are not cut
// off, the longest relative time fits, and every row's action buttons are
// on screen and on top; narrow, the table scrolls sideways with Key and
// the actions pinned (pinned cells cover the columns scrolled under them,
// so overlaps are measured with the pinning off). A screenshot of each size
// goes to target/e2e-artifacts/.
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { ARTIFACTS, Run, click, setSwitch, shown, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Layout#2024" };

/** Local date `days` from today, YYYY-MM-DD. */
function day(days) {
  const t = new Date();
  const d = new Date(t.getFullYear(), t.getMonth(), t.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/**
 * Measured in the page, with the table scrolled to its left edge: every
 * problem found, as text (an empty list is a pass).
 */
function measure() {
  const problems = [];
  const scroller = document.querySelector(".table-scroll");
  // Pinned cells cover the columns scrolled beneath them by design: the
  // overlap and spill checks measure the columns as laid out, unpinned.
  const pinned = [...document.querySelectorAll('[data-testid="secrets-table"] .tr > .col-key, [data-testid="secrets-table"] .tr > .col-actions')];
  for (const c of pinned) c.style.position = "static";
  const view = scroller.getBoundingClientRect();
  const name = (el) => el.getAttribute("data-testid") ?? el.className;
  const rowName = (r) => r.getAttribute("data-testid") ?? "header";
  const rows = [...document.querySelectorAll('[data-testid="secrets-table"] [role="row"]')].filter((r) => {
    const b = r.getBoundingClientRect();
    return b.top >= view.top - 1 && b.bottom <= view.bottom + 1; // wholly in view
  });
  const overlaps = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  for (const row of rows) {
    const cells = [...row.children].filter((c) => ["cell", "columnheader"].includes(c.getAttribute("role")));
    const rects = cells.map((c) => c.getBoundingClientRect());
    for (let i = 0; i < cells.length; i++) {
      for (let j = i + 1; j < cells.length; j++) {
        if (overlaps(rects[i], rects[j])) problems.push(`${rowName(row)}: cells ${cells[i].className} and ${cells[j].className} overlap`);
      }
      // Nothing inside a cell reaches past it.
      for (const el of cells[i].querySelectorAll("*")) {
        if (el.closest(".visually-hidden")) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.left < rects[i].left - 1 || r.right > rects[i].right + 1) {
          problems.push(`${rowName(row)}: ${name(el)} (${Math.round(r.left)}..${Math.round(r.right)}) spills out of ${cells[i].className} (${Math.round(rects[i].left)}..${Math.round(rects[i].right)})`);
        }
      }
      // Text that must be read whole is not cut off.
      for (const el of cells[i].querySelectorAll(".th-sort, .field-chip-name, .badge, [data-testid^='updated-'], .more")) {
        if (el.scrollWidth > el.clientWidth + 1) problems.push(`${rowName(row)}: "${el.textContent}" is cut off (${el.scrollWidth} > ${el.clientWidth})`);
      }
      if (cells[i].getAttribute("role") === "columnheader" && cells[i].scrollWidth > cells[i].clientWidth + 1) {
        problems.push(`header "${cells[i].textContent}" is cut off`);
      }
    }
  }
  for (const c of pinned) c.style.position = "";
  for (const row of rows) {
    // The actions, pinned: on screen, and what a click there would hit.
    for (const btn of row.querySelectorAll(".col-actions button")) {
      const r = btn.getBoundingClientRect();
      if (r.left < 0 || r.right > window.innerWidth || r.top < 0 || r.bottom > window.innerHeight) {
        problems.push(`${rowName(row)}: ${name(btn)} is off screen (${Math.round(r.left)}..${Math.round(r.right)} of ${window.innerWidth})`);
        continue;
      }
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!btn.contains(hit)) problems.push(`${rowName(row)}: ${name(btn)} is covered by ${hit && name(hit)}`);
    }
  }
  // The longest relative time the Updated column shows fits in it.
  const updated = document.querySelector("[data-testid^='updated-']");
  if (updated) {
    const saved = updated.textContent;
    updated.textContent = "59 minutes ago";
    if (updated.scrollWidth > updated.clientWidth + 1) problems.push(`"59 minutes ago" would be cut off (${updated.scrollWidth} > ${updated.clientWidth})`);
    updated.textContent = saved;
  }
  return { problems, rows: rows.length, scrollable: scroller.scrollWidth > scroller.clientWidth };
}

describe("the secrets table at three window sizes", () => {
  const run = new Run("layout");
  /** @type {WebdriverIO.Browser} */
  let b;

  after(async () => {
    await run.close();
  });

  const cli = (args, opts = {}) => run.cliOk(args, { ...OLGA, ...opts });

  run.step("setup: secrets with long names, many tags, badges of every kind (CLI); the app signed in", async () => {
    cli(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin"], { stdin: `${OLGA.password}\n`, password: undefined });
    for (const [code, name] of [["FIN", "Finance"], ["OPS", "Operations"], ["DATA", "Data platform"], ["HR", "People"]]) cli(["dept", "add", code, "--name", name]);
    cli(["user", "depts", OLGA.user, "--dept", "DEFAULT", "--dept", "FIN", "--dept", "OPS", "--dept", "DATA", "--primary", "DEFAULT"]);
    cli(["add", "S3_BACKUP", "--field", "access_key=AKIA", "--field", "secret_key=s/k", "--dept", "OPS", "--dept", "DATA", "--dept", "FIN",
      "--tag", "aws", "--tag", "backup", "--tag", "nightly", "--tag", "team-10", "--expires", day(200), "--description", "Nightly backups bucket"]);
    cli(["add", "STRIPE_API_KEY", "--value", "sk", "--dept", "FIN", "--tag", "payments", "--expires", day(5), "--description", "Payments, live mode"]);
    cli(["add", "OLD_FTP_PASSWORD", "--value", "ftp", "--dept", "OPS", "--tag", "legacy", "--expires", day(-40)]);
    cli(["add", "RETIRED_TOKEN", "--value", "t", "--all-depts", "--inactive", "--tag", "legacy"]);
    cli(["add", "WAREHOUSE_DSN", "--value", "pg://wh", "--dept", "DATA", "--write-only", "--tag", "warehouse"]);
    cli(["add", "PAYROLL_EXPORT", "--value", "hr", "--dept", "HR", "--tag", "people"]);
    cli(["add", "VERY_LONG_SECRET_KEY_NAME_FOR_THE_REPORTING_DATABASE", "--field", "jdbc_url=x", "--field", "username=u",
      "--field", "password=p", "--all-depts", "--description", "A description long enough to need an ellipsis in any column width at all"]);
    for (let i = 0; i < 30; i++) cli(["add", `SERVICE_${String(i).padStart(2, "0")}`, "--value", `v${i}`, "--all-depts", "--tag", `team-${i}`]);
    b = await run.launch();
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await shown(b, "secret-row-S3_BACKUP");
    await setSwitch(b, "show-inactive", true);
    await shown(b, "secret-row-RETIRED_TOKEN");
  });

  for (const [w, h] of [[900, 600], [1280, 800], [1920, 1080]]) {
    run.step(`${w}×${h}: no overlaps, nothing cut off, actions on screen`, async () => {
      await b.setWindowSize(w, h);
      await b.waitUntil(async () => (await b.execute(() => window.innerWidth)) <= w && (await b.execute(() => window.innerWidth)) >= w - 40, {
        timeout: 5000,
        timeoutMsg: `the window did not become ${w} wide`,
      });
      await sleep(500); // layout and the virtualizer settle
      await b.execute(() => {
        document.querySelector(".table-scroll").scrollLeft = 0;
      });
      const result = await b.execute(measure);
      await b.saveScreenshot(path.join(ARTIFACTS, `layout-${w}x${h}.png`));
      assert.ok(result.rows >= 5, `rows measured: ${result.rows}`);
      assert.deepEqual(result.problems, [], `at ${w}×${h}:\n${result.problems.join("\n")}`);

      if (result.scrollable) {
        // Scrolled all the way right: Key and the actions are still there, on top.
        const pinned = await b.execute(() => {
          const scroller = document.querySelector(".table-scroll");
          scroller.scrollLeft = scroller.scrollWidth;
          const row = document.querySelector('[data-testid="secret-row-S3_BACKUP"]');
          const key = row.querySelector(".col-key");
          const k = key.getBoundingClientRect();
          const hitKey = document.elementFromPoint(k.left + 10, k.top + k.height / 2);
          const del = row.querySelector(".col-actions button:last-child").getBoundingClientRect();
          const hitDel = document.elementFromPoint(del.left + del.width / 2, del.top + del.height / 2);
          const out = {
            keyLeft: Math.round(k.left - scroller.getBoundingClientRect().left),
            keyOnTop: key.contains(hitKey),
            actionOnTop: row.querySelector(".col-actions").contains(hitDel),
            actionRight: Math.round(del.right),
            width: window.innerWidth,
          };
          scroller.scrollLeft = 0;
          return out;
        });
        assert.ok(pinned.keyLeft <= 1, `Key stays at the left edge: ${JSON.stringify(pinned)}`);
        assert.ok(pinned.keyOnTop && pinned.actionOnTop, `Key and actions stay on top: ${JSON.stringify(pinned)}`);
        assert.ok(pinned.actionRight <= pinned.width, `actions on screen: ${JSON.stringify(pinned)}`);
      }
    });
  }
});
