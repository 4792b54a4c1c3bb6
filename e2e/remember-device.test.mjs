// "Remember on this device" against a real Secret Service (a private
// gnome-keyring on the test's D-Bus session): after a restart the app opens
// straight to the table, unless someone pressed Lock (then it waits for the
// password or a deliberate "Unlock with this device"); "Forget this device"
// brings the password form back on the next start. Each start is a new
// WebDriver session (a new app process).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, describe } from "node:test";

import { Run, click, gone, isOn, setSwitch, shown, textOf, tid, toastTexts, type } from "./harness.mjs";

const OLGA = { user: "olga", name: "Olga Ortiz", password: "Olga-e2e-Remember#2024" };

describe("remember this device (gnome-keyring)", () => {
  const run = new Run("remember-device");
  /** @type {WebdriverIO.Browser} */
  let b;

  after(async () => {
    await run.close();
  });

  /** How many Coffer device keys the keyring holds (never prints them). */
  function keyringItems() {
    const r = spawnSync("secret-tool", ["search", "--all", "service", "coffer"], {
      env: run.childEnv(),
      encoding: "utf8",
      timeout: 10_000,
    });
    if (r.status !== 0) throw new Error(`secret-tool search failed (${r.status}): ${r.stderr.trim()}`);
    // One "[/<item path>]" header line per item.
    return r.stdout.split("\n").filter((l) => /^\[\/.*\]$/.test(l)).length;
  }

  async function restart() {
    await run.quit();
    b = await run.launch();
  }

  async function onTable() {
    await shown(b, "nav-secrets");
    assert.equal(await b.$(tid("user-menu")).getAttribute("aria-label"), `Account: ${OLGA.name}`);
    await shown(b, "secrets-table");
  }

  run.step("setup: an unlocked login keyring, and a vault with one secret (CLI)", async () => {
    await run.startKeyring();
    run.cliOk(["init", "--owner", OLGA.user, "--display-name", OLGA.name, "--new-password-stdin"], { stdin: `${OLGA.password}\n` });
    run.cliOk(["add", "API_TOKEN", "--value", "tok-e2e-remember", "--all-depts"], OLGA);
    assert.equal(keyringItems(), 0, "the fresh keyring holds no Coffer key");
  });

  run.step("sign in with the password and 'Remember on this device'", async () => {
    b = await run.launch();
    await shown(b, "unlock-password");
    assert.equal(await b.$(tid("keyring-problem")).isExisting(), false, "no keyring problem reported");
    assert.equal(await b.$(tid("forget-device")).isExisting(), false, "nothing remembered yet");
    assert.equal(await b.$(tid("unlock-username")).getValue(), OLGA.user, "the CLI's user is prefilled");
    await type(b, "unlock-password", OLGA.password);
    await setSwitch(b, "remember-device", true);
    await click(b, "unlock-submit");
    await onTable();
    // The remember failure would be a toast; there is none.
    const toasts = await toastTexts(b);
    assert.ok(!toasts.some((t) => /could not be remembered/i.test(t)), `no "could not be remembered" toast: ${JSON.stringify(toasts)}`);
    assert.equal(keyringItems(), 1, "one device key in the keyring");
  });

  run.step("a restarted app opens straight to the table, without a password", async () => {
    await restart();
    await onTable();
    assert.equal(await b.$(tid("unlock-password")).isExisting(), false, "no password form was shown");
    await shown(b, "secret-row-API_TOKEN");
  });

  run.step("after Lock, a restart shows the lock screen (not the vault); 'Unlock with this device' opens it", async () => {
    await click(b, "lock");
    await shown(b, "unlock-password");
    await restart();
    await shown(b, "unlock-password");
    assert.equal(await b.$(tid("nav-secrets")).isExisting(), false, "the lock held across the restart");
    assert.equal(await isOn(b, "remember-device"), true, "'Remember on this device' shows what is true: checked");
    await shown(b, "unlock-device");
    await shown(b, "forget-device");
    assert.equal(keyringItems(), 1, "the device key is still there");
    await click(b, "unlock-device");
    await onTable();
    // Unlocked on purpose: the next start opens straight to the table again.
    await restart();
    await onTable();
    assert.equal(await b.$(tid("unlock-password")).isExisting(), false, "no lock screen after a deliberate unlock");
  });

  run.step("Settings show the vault's fingerprint (as the CLI does) and this remembered device", async () => {
    const status = JSON.parse(run.cliOk(["status", "--json"], OLGA));
    assert.match(status.fingerprint, /^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
    await click(b, "user-menu");
    await click(b, "menu-settings");
    await shown(b, "settings-dialog");
    assert.equal((await textOf(b, "vault-fingerprint")).trim(), status.fingerprint);
    const devices = await textOf(b, "devices");
    assert.match(devices, /Coffer desktop app/);
    assert.match(devices, /this device/);
    const cli = JSON.parse(run.cliOk(["device", "list", "--json"], OLGA));
    assert.equal(cli.length, 1, "the CLI lists the same one device");
    await click(b, `revoke-device-${cli[0].id}`);
    await b.waitUntil(async () => (await textOf(b, "devices")).includes("No device remembers you"), {
      timeout: 10_000,
      timeoutMsg: "the device list did not empty",
    });
    await click(b, "settings-cancel");
    await gone(b, "settings-dialog", 5000);
  });

  run.step("a device signed out from Settings needs the password at the next start", async () => {
    await restart();
    await shown(b, "unlock-password");
    assert.equal(await b.$(tid("nav-secrets")).isExisting(), false, "not unlocked");
    await type(b, "unlock-password", OLGA.password);
    await setSwitch(b, "remember-device", true);
    await click(b, "unlock-submit");
    await onTable();
    assert.equal(keyringItems(), 1, "remembered again");
  });

  run.step("a password change that signs the other devices out replaces the keys and keeps this device", async () => {
    const devicesBefore = JSON.parse(run.cliOk(["device", "list", "--json"], OLGA));
    assert.equal(devicesBefore.length, 1);
    await click(b, "user-menu");
    await click(b, "menu-change-password");
    await shown(b, "change-password-dialog");
    assert.match(await textOf(b, "change-password-dialog"), /replace my keys/);
    assert.equal(await isOn(b, "sign-out-other-devices"), true, "offered, and on by default");
    const next = "Quartz-otter-kettle-meadow 88";
    await type(b, "current-password", OLGA.password);
    await type(b, "new-password", next);
    await type(b, "new-password-confirm", next);
    await click(b, "change-password-submit");
    await gone(b, "change-password-dialog", 15_000);
    OLGA.password = next;
    // The audit log records it, this device is remembered again (under the
    // new keys), and the value reads as before.
    const replaced = JSON.parse(run.cliOk(["audit", "--action", "keys-replaced", "--json"], OLGA));
    assert.equal(replaced.length, 1, "one keys-replaced entry");
    const devicesAfter = JSON.parse(run.cliOk(["device", "list", "--json"], OLGA));
    assert.equal(devicesAfter.length, 1, "still one device: this one");
    assert.ok(devicesAfter[0].created_at > devicesBefore[0].created_at, "remembered again, under the new keys");
    assert.equal(run.cliOk(["get", "API_TOKEN"], OLGA), "tok-e2e-remember\n");
    run.cliOk(["audit", "--verify"], OLGA);
    await restart();
    await onTable();
    assert.equal(await b.$(tid("unlock-password")).isExisting(), false, "the remembered device opens with the new keys");
  });

  run.step("lock, then 'Forget this device' on the unlock screen", async () => {
    await click(b, "lock");
    await shown(b, "unlock-password");
    await click(b, "forget-device");
    // innerText ends a paragraph with a line break when another follows it.
    assert.equal((await textOf(b, "unlock-info")).trim(), "This device no longer remembers you.");
    await gone(b, "forget-device", 5000);
    assert.equal(keyringItems(), 0, "the device key is gone from the keyring");
    assert.equal(await isOn(b, "remember-device"), false);
  });

  run.step("the next start shows the password form again", async () => {
    await restart();
    await shown(b, "unlock-password");
    assert.equal(await b.$(tid("nav-secrets")).isExisting(), false, "not unlocked");
    assert.equal(await b.$(tid("forget-device")).isExisting(), false, "nothing remembered");
    assert.equal(await b.$(tid("unlock-notice")).isExisting(), false, "no failed device unlock either");
    // And the password still works.
    await type(b, "unlock-password", OLGA.password);
    await click(b, "unlock-submit");
    await onTable();
  });
});
