// The README's screenshot (scripts/screenshot.sh runs this under Xvfb):
// a demo vault made with the CLI, this device remembered in a private
// gnome-keyring so the app opens straight to the table, the window set to
// each size asked for, and WebDriver's capture of what the window shows.
//
//   node e2e/screenshot.mjs OUT.png [WIDTHxHEIGHT]   (default 1280x800)
//   node e2e/screenshot.mjs DIR/ 900x600 1920x1080   (one DIR/WxH.png each)
//
// COFFER_APP and COFFER_CLI choose the build (see harness.mjs).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { Run, shown } from "./harness.mjs";

const [out = "docs/screenshot.png", ...sizes] = process.argv.slice(2);
if (sizes.length === 0) sizes.push("1280x800");

const OLGA = { user: "olga", password: "Demo-owner-Screenshot#2024" };

/** A date `days` from today, as YYYY-MM-DD. */
function day(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

const run = new Run("screenshot");
try {
  await run.startKeyring();
  const c = (...args) => run.cliOk(args, OLGA);
  run.cliOk(["init", "--owner", "olga", "--display-name", "Olga Ortiz", "--new-password-stdin"], { stdin: `${OLGA.password}\n` });
  c("dept", "add", "FIN", "--name", "Finance");
  c("dept", "add", "OPS", "--name", "Operations");
  c("dept", "add", "DATA", "--name", "Data platform");
  c("user", "depts", "olga", "--dept", "DEFAULT", "--dept", "FIN", "--dept", "OPS", "--dept", "DATA", "--primary", "DEFAULT");
  c("add", "DB_PASSWORD", "--field", "host=db.fin.internal", "--field", "port=5432", "--field", "username=reporting", "--field", "password=Zq8-fin-2024",
    "--plain", "host,port,username", "--dept", "FIN", "--tag", "postgres", "--tag", "prod", "--description", "Finance reporting database", "--expires", day(200));
  c("add", "STRIPE_API_KEY", "--value", "sk_live_51Hx", "--dept", "FIN", "--tag", "payments", "--tag", "prod", "--description", "Payments, live mode", "--expires", day(3));
  c("add", "SLACK_WEBHOOK", "--value", "https://hooks.slack.invalid/T000", "--all-depts", "--tag", "alerts", "--description", "Alerts channel");
  c("add", "GITHUB_TOKEN", "--value", "ghp_demo", "--private", "--all-depts", "--tag", "ci", "--description", "My personal CI token");
  c("add", "S3_BACKUP", "--field", "access_key=AKIADEMO", "--field", "secret_key=demo/secret", "--dept", "OPS", "--dept", "DATA", "--tag", "aws", "--tag", "backup",
    "--description", "Nightly backups bucket");
  run.cli(["add", "OLD_FTP_PASSWORD", "--value", "ftp-demo", "--dept", "OPS", "--tag", "legacy", "--description", "Decommissioned FTP", "--expires", day(-40)], OLGA);
  c("add", "WAREHOUSE_DSN", "--value", "postgres://wh", "--dept", "DATA", "--tag", "warehouse", "--write-only", "--description", "Analytics warehouse (write-only)");
  c("add", "SMTP_PASSWORD", "--value", "smtp-demo", "--all-depts", "--tag", "email", "--description", "Outgoing mail relay");
  c("login", "--user", "olga", "--remember");

  const b = await run.launch();
  await shown(b, "secrets-table");
  for (const size of sizes) {
    const [width, height] = size.split("x").map(Number);
    await b.setWindowRect(0, 0, width, height);
    // Let the layout settle (and the window manager-less X server resize):
    // the page's own width must match, then a little more for the paint.
    await b.waitUntil(async () => (await b.execute(() => document.documentElement.clientWidth)) === width, {
      timeout: 10_000,
      timeoutMsg: `the page never laid out at ${width} px`,
    });
    await sleep(2000);
    const file = sizes.length === 1 && out.endsWith(".png") ? out : path.join(out, `${size}.png`);
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    await b.saveScreenshot(file);
    const inner = await b.execute(() => [window.innerWidth, window.innerHeight]);
    console.error(`screenshot: ${file} (window content ${inner[0]}x${inner[1]})`);
  }
} finally {
  await run.close();
}
