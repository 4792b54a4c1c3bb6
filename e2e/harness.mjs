// Harness for the end-to-end tests of the real Coffer app through WebDriver
// (tauri-driver -> WebKitWebDriver -> target/debug/coffer-app).
//
// Every `Run` gets its own temporary HOME, XDG folders and vault, passed to
// tauri-driver's environment (the app inherits it) and to the `coffer` CLI.
// Processes started here are killed by process group when the run closes,
// and on failure a step saves a screenshot and the visible text of the
// window into target/e2e-artifacts/.
//
// Expected to run inside `xvfb-run ... dbus-run-session -- node --test ...`
// (scripts/e2e.sh): DISPLAY and DBUS_SESSION_BUS_ADDRESS come from there.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import { remote } from "webdriverio";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The debug build by default; the start-up benchmark passes the release one.
export const APP = process.env.COFFER_APP ?? path.join(ROOT, "target/debug/coffer-app");
export const CLI = process.env.COFFER_CLI ?? path.join(ROOT, "target/debug/coffer");
export const TAURI_DRIVER = process.env.TAURI_DRIVER ?? path.join(ROOT, ".tools/bin/tauri-driver");
export const NATIVE_DRIVER = process.env.NATIVE_DRIVER ?? "/usr/bin/WebKitWebDriver";
export const ARTIFACTS = path.join(ROOT, "target/e2e-artifacts");

/** Generous: sign-ins hash the password with calibrated Argon2id. */
export const WAIT = 20_000;
/** The clipboard delay written into prefs.json for every run. */
export const CLIPBOARD_CLEAR_SECS = 5;

/** Process groups we started and have not reaped yet (killed on exit too). */
const groups = new Set();
function killAllGroups() {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.on("exit", killAllGroups);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, () => {
    killAllGroups();
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[sig] ?? 0));
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Ends a process group we started: TERM, then KILL after a grace period. */
async function killGroup(child, graceMs = 3000) {
  if (!child?.pid) return;
  const pid = child.pid;
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // raced with its exit
    }
    const deadline = Date.now() + graceMs;
    while (alive() && Date.now() < deadline) await sleep(50);
    if (alive()) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // raced with its exit
      }
    }
  }
  groups.delete(pid);
}

function slug(s) {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
}

function tail(file, lines = 25) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/**
 * One isolated world: temp HOME/XDG folders, a vault path, at most one
 * app session (tauri-driver + app) at a time, and optionally a private
 * gnome-keyring on the session bus.
 */
export class Run {
  constructor(name) {
    this.name = name;
    this.dir = mkdtempSync(path.join(tmpdir(), `coffer-e2e-${slug(name)}-`));
    const d = (p) => {
      const full = path.join(this.dir, p);
      mkdirSync(full, { recursive: true });
      return full;
    };
    this.env = {
      HOME: d("home"),
      XDG_CONFIG_HOME: d("config"),
      XDG_DATA_HOME: d("data"),
      XDG_CACHE_HOME: d("cache"),
      XDG_RUNTIME_DIR: d("run"),
      COFFER_VAULT: path.join(d("vault"), "vault.db"),
    };
    chmodSync(this.env.XDG_RUNTIME_DIR, 0o700);
    mkdirSync(path.join(this.env.XDG_CONFIG_HOME, "coffer"), { recursive: true });
    writeFileSync(
      path.join(this.env.XDG_CONFIG_HOME, "coffer", "prefs.json"),
      JSON.stringify({ settings: { auto_lock_minutes: 10, clipboard_clear_secs: CLIPBOARD_CLEAR_SECS } }),
    );
    this.logFile = path.join(this.dir, "driver.log");
    this.browser = null;
    this.driver = null;
    this.keyring = null;
    /** Name of the first failed step: later steps of the suite are skipped. */
    this.failed = null;
    this.sessions = 0;
  }

  /** The environment for every process of this run (secrets from the parent never leak in). */
  childEnv(extra = {}) {
    const env = { ...process.env };
    delete env.COFFER_USER;
    delete env.COFFER_PASSWORD;
    Object.assign(env, this.env);
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  // ---------------------------------------------------------------- CLI

  /** Runs `coffer` as `user` with `password`; returns {status, stdout, stderr}. */
  cli(args, { user, password, stdin } = {}) {
    const r = spawnSync(CLI, args, {
      env: this.childEnv({ COFFER_USER: user, COFFER_PASSWORD: password }),
      input: stdin ?? "",
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Like `cli`, but throws a readable error unless the exit code is 0. */
  cliOk(args, opts = {}) {
    const r = this.cli(args, opts);
    if (r.status !== 0) {
      throw new Error(
        `\`coffer ${args.join(" ")}\`${opts.user ? ` as ${opts.user}` : ""} exited ${r.status}\n` +
          `stdout: ${r.stdout.trim()}\nstderr: ${r.stderr.trim()}`,
      );
    }
    return r.stdout;
  }

  // ---------------------------------------------------------------- keyring

  /**
   * Starts gnome-keyring-daemon (secrets only) with an unlocked login
   * keyring stored in this run's XDG_DATA_HOME, on a D-Bus session of its
   * own (as scripts/screenshot.sh does with dbus-run-session): the shared
   * session may already have a keyring that D-Bus activated for an earlier
   * test, and this one must be the only Secret Service the app can see.
   * The app, the CLI and secret-tool of this run use that bus from now on.
   */
  async startKeyring() {
    const logFile = path.join(this.dir, "keyring.log");
    const child = spawn(
      "dbus-run-session",
      ["--", "sh", "-c", 'echo "BUS=$DBUS_SESSION_BUS_ADDRESS"; exec gnome-keyring-daemon --foreground --unlock --components=secrets'],
      { env: this.childEnv({ DBUS_SESSION_BUS_ADDRESS: undefined }), detached: true, stdio: ["pipe", "pipe", "pipe"] },
    );
    groups.add(child.pid);
    this.keyring = child;
    const log = createWriteStream(logFile);
    child.stderr.pipe(log);
    const bus = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no D-Bus address from dbus-run-session:\n${tail(logFile)}`)), WAIT);
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const m = /^BUS=(.+)$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        reject(new Error(`dbus-run-session exited early:\n${tail(logFile)}`));
      });
    });
    child.stdout.pipe(log);
    child.stdin.end("e2e-keyring-password");
    this.env.DBUS_SESSION_BUS_ADDRESS = bus;
    const dbus = (args) =>
      spawnSync("dbus-send", ["--session", "--print-reply", ...args], { env: this.childEnv(), encoding: "utf8", timeout: 5000 });
    // Ready when our daemon owns org.freedesktop.secrets with the login collection unlocked.
    const deadline = Date.now() + WAIT;
    while (Date.now() < deadline) {
      if (exited(child)) throw new Error(`gnome-keyring-daemon exited early:\n${tail(logFile)}`);
      // Ask the bus first: a call to the name itself would D-Bus-activate a
      // second daemon while ours is still starting.
      const owned = dbus(["--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"]);
      if (!/boolean true/.test(owned.stdout)) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const locked = dbus([
        "--dest=org.freedesktop.secrets",
        "/org/freedesktop/secrets/aliases/default",
        "org.freedesktop.DBus.Properties.Get",
        "string:org.freedesktop.Secret.Collection",
        "string:Locked",
      ]);
      if (locked.status === 0 && /boolean false/.test(locked.stdout)) {
        const owner = dbus([
          "--dest=org.freedesktop.DBus",
          "/org/freedesktop/DBus",
          "org.freedesktop.DBus.GetConnectionUnixProcessID",
          "string:org.freedesktop.secrets",
        ]);
        const pid = /uint32 (\d+)/.exec(owner.stdout)?.[1];
        let pgid = null;
        try {
          pgid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[2]);
        } catch {
          // not readable: keep waiting
        }
        if (pgid === child.pid) return;
        throw new Error(`org.freedesktop.secrets on the private bus is pid ${pid}, not our gnome-keyring-daemon`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`gnome-keyring-daemon did not come up with an unlocked login keyring:\n${tail(logFile)}`);
  }

  async stopKeyring() {
    const k = this.keyring;
    this.keyring = null;
    if (k) delete this.env.DBUS_SESSION_BUS_ADDRESS;
    await killGroup(k);
  }

  // ---------------------------------------------------------------- the app

  /** Starts tauri-driver and a WebDriver session, which launches the app. */
  async launch() {
    if (this.browser) throw new Error("an app session is already running");
    const port = await freePort();
    let nativePort = await freePort();
    while (nativePort === port) nativePort = await freePort();
    const log = createWriteStream(this.logFile, { flags: "a" });
    const driver = spawn(
      TAURI_DRIVER,
      ["--port", String(port), "--native-port", String(nativePort), "--native-driver", NATIVE_DRIVER],
      { env: this.childEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    groups.add(driver.pid);
    this.driver = driver;
    driver.stdout.pipe(log);
    driver.stderr.pipe(log);
    // tauri-driver listens before the WebKitWebDriver it spawns does, and
    // forwards the new-session request without waiting: on a loaded machine
    // that request can meet a closed port. Wait for both.
    const deadline = Date.now() + WAIT;
    for (const [p, who] of [[port, "tauri-driver"], [nativePort, "WebKitWebDriver"]]) {
      while (!(await portOpen(p))) {
        if (exited(driver)) throw new Error(`tauri-driver exited early:\n${tail(this.logFile)}`);
        if (Date.now() > deadline) throw new Error(`${who} did not listen on ${p}:\n${tail(this.logFile)}`);
        await sleep(100);
      }
    }
    try {
      this.browser = await remote({
        hostname: "127.0.0.1",
        port,
        logLevel: "error",
        waitforTimeout: WAIT,
        connectionRetryTimeout: 60_000,
        connectionRetryCount: 0,
        capabilities: {
          browserName: "wry",
          "tauri:options": { application: APP },
          "wdio:enforceWebDriverClassic": true,
        },
      });
    } catch (e) {
      await killGroup(driver);
      this.driver = null;
      throw new Error(`could not start a WebDriver session with the app: ${e.message}\n${tail(this.logFile)}`);
    }
    this.sessions += 1;
    // The React app has rendered its first screen (not the loading splash).
    await this.browser.waitUntil(
      async () => this.browser.execute(() => {
        const root = document.querySelector(".root");
        return !!root && !root.querySelector(".splash") && root.children.length > 0;
      }),
      { timeout: WAIT, timeoutMsg: "the app did not render its first screen" },
    );
    return this.browser;
  }

  /** Ends the WebDriver session (closing the app) and tauri-driver. */
  async quit() {
    const browser = this.browser;
    const driver = this.driver;
    this.browser = null;
    this.driver = null;
    if (browser) {
      try {
        await Promise.race([browser.deleteSession(), sleep(10_000, undefined, { ref: false })]);
      } catch {
        // the session may already be gone
      }
    }
    await killGroup(driver);
  }

  async close() {
    await this.quit();
    await this.stopKeyring();
    if (!process.env.E2E_KEEP_TMP) rmSync(this.dir, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- failures

  /** Saves a screenshot and the visible text; returns a description to append to the error. */
  async capture(label) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const base = path.join(ARTIFACTS, `${slug(this.name)}--${slug(label)}--${Date.now()}`);
    const notes = [];
    const png = `${base}.png`;
    let shot = false;
    if (this.browser) {
      try {
        await this.browser.saveScreenshot(png);
        shot = true;
      } catch (e) {
        notes.push(`(WebDriver screenshot failed: ${e.message.split("\n")[0]})`);
      }
    }
    if (!shot) {
      // Fall back to the whole virtual screen.
      const r = spawnSync("import", ["-window", "root", png], { env: process.env, timeout: 10_000 });
      shot = r.status === 0;
    }
    if (shot) notes.push(`screenshot: ${png}`);
    if (this.browser) {
      try {
        const text = await this.browser.execute(() => document.body.innerText);
        writeFileSync(`${base}.txt`, text);
        const short = text.replace(/\n{2,}/g, "\n").trim().slice(0, 1500);
        notes.push(`text on screen:\n    ${short.split("\n").join("\n    ")}`);
      } catch {
        // the session is gone
      }
    }
    const driverLog = tail(this.logFile, 15);
    if (driverLog) notes.push(`tauri-driver/app log (last lines):\n    ${driverLog.split("\n").join("\n    ")}`);
    if (shot) console.error(`e2e screenshot saved: ${png}`);
    return notes.join("\n");
  }

  /**
   * A step of an ordered scenario: skipped once an earlier step failed;
   * on failure, the error names the step and shows what was on screen.
   */
  step(name, fn, { timeout = 120_000 } = {}) {
    it(name, { timeout }, async (t) => {
      if (this.failed) {
        t.skip(`an earlier step failed: ${this.failed}`);
        return;
      }
      try {
        await fn(t);
      } catch (e) {
        this.failed = name;
        const where = await this.capture(name).catch((c) => `(capture failed: ${c.message})`);
        const cause = e instanceof Error ? e : new Error(String(e));
        // A new error, so the reporter (which prints the stack) shows it all.
        const err = new Error(`step "${name}" failed: ${cause.message}\n${where}`);
        const frames = (cause.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
        err.stack = `${err.message}\n${frames.join("\n")}`;
        throw err;
      }
    });
  }
}

// -------------------------------------------------------------- UI helpers

/** CSS selector of a data-testid. */
export const tid = (id) => `[data-testid="${id}"]`;

/** Waits for a test id to be displayed and returns the element. */
export async function shown(browser, id, timeout = WAIT) {
  const el = browser.$(tid(id));
  await el.waitForDisplayed({ timeout, timeoutMsg: `"${id}" was not displayed within ${timeout / 1000} s` });
  return el;
}

/** Waits for a test id to be gone (absent or hidden). */
export async function gone(browser, id, timeout = WAIT) {
  await browser.$(tid(id)).waitForDisplayed({
    timeout,
    reverse: true,
    timeoutMsg: `"${id}" was still displayed after ${timeout / 1000} s`,
  });
}

export async function click(browser, id) {
  const el = await shown(browser, id);
  await el.waitForClickable({ timeoutMsg: `"${id}" was not clickable` });
  await el.click();
  return el;
}

/** Types into an (empty) input found by test id. */
export async function type(browser, id, text) {
  const el = await shown(browser, id);
  await el.click();
  await el.addValue(text);
  await browser.waitUntil(async () => (await el.getValue()) === text, {
    timeout: 5000,
    timeoutMsg: `"${id}" did not take the typed text`,
  });
  return el;
}

/** Whether a switch/checkbox (test id on its label) is on. */
export async function isOn(browser, id) {
  return (await browser.$(tid(id)).getAttribute("data-selected")) === "true";
}

/** Sets a switch/checkbox to `on`, clicking its label if needed. */
export async function setSwitch(browser, id, on) {
  if ((await isOn(browser, id)) !== on) await click(browser, id);
  await browser.waitUntil(async () => (await isOn(browser, id)) === on, {
    timeout: 5000,
    timeoutMsg: `"${id}" did not turn ${on ? "on" : "off"}`,
  });
}

/**
 * The element's innerText. (WebDriver's getText leaves out parts of the
 * virtualized table rows in WebKitWebDriver, so the tests use innerText.)
 */
export async function textOf(browser, id) {
  return innerText(await shown(browser, id));
}

/**
 * The texts of the toasts on screen, read in one script: toasts come and go
 * by themselves, so reading them element by element can race a dismissal.
 */
export async function toastTexts(browser) {
  return browser.execute(() => Array.from(document.querySelectorAll('[data-testid="toast"]'), (t) => t.innerText));
}

export async function innerText(el) {
  return (await el.getProperty("innerText")) ?? "";
}

/** `xclip -o -selection clipboard [-t TARGET]` in the inherited X display. */
export function clipboard(target) {
  const args = ["-o", "-selection", "clipboard"];
  if (target) args.push("-t", target);
  const r = spawnSync("xclip", args, { encoding: "utf8", timeout: 5000 });
  return { status: r.status, out: r.stdout ?? "", err: r.stderr ?? "" };
}

export { existsSync };

// ------------------------------------------------------------------- CSP

/**
 * A server on another origin that answers every request (CORS allows it,
 * so without a policy a page's fetch would succeed) and records what it
 * was asked. `close()` when done.
 */
export async function otherOrigin() {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    res.writeHead(200, { "content-type": "text/plain", "access-control-allow-origin": "*" });
    res.end("reached");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Tries, from inside the page, two things the app's CSP must refuse: an
 * injected inline <script>, and a fetch to `url` on another origin.
 * Returns whether the script ran, what the fetch got, and the
 * securitypolicyviolation events the page reported meanwhile.
 */
export function probeCsp(browser, url) {
  return browser.executeAsync((target, done) => {
    const violations = [];
    const record = (e) => violations.push({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI });
    document.addEventListener("securitypolicyviolation", record);
    const script = document.createElement("script");
    script.textContent = "window.__e2eInjected = 'ran';";
    document.head.appendChild(script);
    fetch(target, { cache: "no-store" })
      .then((r) => r.text())
      .then(
        (body) => ({ body }),
        (e) => ({ refused: String(e) }),
      )
      .then((fetched) =>
        // Violation events are dispatched asynchronously.
        setTimeout(() => {
          document.removeEventListener("securitypolicyviolation", record);
          script.remove();
          done({ injected: window.__e2eInjected ?? null, fetched, violations });
        }, 500),
      );
  }, url);
}
