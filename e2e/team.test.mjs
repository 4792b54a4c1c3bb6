// A team vault on PostgreSQL in the real app: opened by URL from the first
// run's "Open an existing vault", signed in to, named in the header; a
// secret a teammate adds (the CLI, another process and connection) shows
// up without any refresh within two seconds, and one they delete goes away.
//
// Needs a server: run under pg_virtualenv, which sets PGHOST, PGPORT,
// PGUSER and PGPASSWORD (`COFFER_E2E_PG=1 scripts/e2e.sh e2e/team.test.mjs`
// does that, or `pg_virtualenv -v 15 -o fsync=off scripts/e2e.sh
// e2e/team.test.mjs`). The test makes its own database with psql and drops
// it afterwards. Without PG* variables it is skipped, saying so.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, describe } from "node:test";

import { Run, click, gone, shown, textOf, type } from "./harness.mjs";

const ANA = { user: "ana", name: "Ana Team", password: "Ana-e2e-TeamVault#2024" };
const { PGHOST, PGPORT, PGUSER } = process.env;
const skip = PGHOST && PGUSER ? false : "no PostgreSQL server: run under pg_virtualenv (COFFER_E2E_PG=1 scripts/e2e.sh e2e/team.test.mjs)";
const DB = `coffer_e2e_${process.pid}`;
const host = PGHOST?.startsWith("/") ? "localhost" : PGHOST;
const URL = `postgres://${PGUSER}@${host}:${PGPORT ?? 5432}/${DB}`;

function psql(sql) {
  const r = spawnSync("psql", ["-X", "-q", "-d", "postgres", "-c", sql], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`psql -c "${sql}" failed (${r.status}): ${r.stderr}`);
}

describe("team vault on PostgreSQL", { skip }, () => {
  const run = new Run("team");
  /** @type {WebdriverIO.Browser} */
  let b;

  after(async () => {
    await run.close();
    psql(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });

  /** Waits for a row to appear (or go); returns how long it took in ms. */
  async function rowChange(key, present) {
    const started = Date.now();
    await b.waitUntil(async () => (await b.$(`[data-testid="secret-row-${key}"]`).isExisting()) === present, {
      timeout: 10_000,
      interval: 50,
      timeoutMsg: `secret-row-${key} did not ${present ? "appear" : "go away"} within 10 s`,
    });
    return Date.now() - started;
  }

  run.step("setup: an empty database, and a vault in it made with the CLI", async () => {
    psql(`CREATE DATABASE ${DB}`);
    run.cliOk(["--vault", URL, "init", "--owner", ANA.user, "--display-name", ANA.name, "--new-password-stdin"], { stdin: `${ANA.password}\n` });
    run.cliOk(["--vault", URL, "add", "FIRST_KEY", "--value", "first-e2e", "--all-depts"], ANA);
  });

  run.step("open it by URL from the first run and sign in", async () => {
    b = await run.launch();
    await click(b, "open-existing");
    await type(b, "open-vault-path", URL);
    await click(b, "open-vault-submit");
    await shown(b, "unlock-password");
    // The CLI's user is remembered on this machine and prefilled.
    if ((await (await shown(b, "unlock-username")).getValue()) !== ANA.user) await type(b, "unlock-username", ANA.user);
    await type(b, "unlock-password", ANA.password);
    await click(b, "unlock-submit");
    await shown(b, "secret-row-FIRST_KEY");
    const badge = await shown(b, "vault-name");
    assert.equal((await textOf(b, "vault-name")).trim(), `${DB} @ ${host}`);
    assert.equal(await badge.getAttribute("title"), `Team vault on a server: ${URL}`);
  });

  run.step("a teammate's new secret appears without a refresh, and a deleted one goes", async () => {
    run.cliOk(["--vault", URL, "add", "TEAMMATE_KEY", "--value", "from-the-cli", "--all-depts"], ANA);
    const added = await rowChange("TEAMMATE_KEY", true);
    assert.ok(added < 2000, `the new secret took ${added} ms to appear`);
    const listed = JSON.parse(run.cliOk(["--vault", URL, "--json", "list"], ANA));
    const first = (Array.isArray(listed) ? listed : listed.secrets).find((s) => s.key === "FIRST_KEY");
    run.cliOk(["--vault", URL, "rm", String(first.id)], ANA);
    const removed = await rowChange("FIRST_KEY", false);
    assert.ok(removed < 2000, `the deleted secret took ${removed} ms to go`);
    await gone(b, "offline-banner", 1000);
  });
});
