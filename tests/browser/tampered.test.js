// A tampered file in the timeline: one byte of a stored consent record flipped
// and a grant row inserted that no record backs (with the sqlite3 shell, as an
// attacker with the file would). The timeline's marks — the broken record, the
// records after it, the chain status and the unbacked rows — must be exactly
// what `miniapp-auth audit verify` says of the same file.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fixtures = require('./fixture');
const { Inspector, Browser, screenshot } = require('./harness');

/** Runs SQL on the file with the sqlite3 shell, or python3's sqlite3 module where there is no shell. */
function sqlite(db, sql) {
  const shell = spawnSync('sqlite3', ['-bail', db], { input: sql, encoding: 'utf8' });
  if (!shell.error) {
    if (shell.status !== 0) throw new Error(`sqlite3: ${shell.stderr}`);
    return shell.stdout;
  }
  const python = spawnSync(
    'python3',
    [
      '-c',
      'import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nsql=sys.stdin.read()\n' +
        'rows=c.execute(sql).fetchall() if sql.lstrip().upper().startswith("SELECT") else c.executescript(sql) and []\n' +
        'c.commit()\nprint("\\n".join("|".join(str(v) for v in r) for r in rows))',
      db,
    ],
    { input: sql, encoding: 'utf8' },
  );
  if (python.status !== 0) throw new Error(`python3 sqlite3: ${python.stderr}`);
  return python.stdout;
}

describe('a tampered file', { timeout: 120_000 }, () => {
  let fixture;
  let inspector;
  let browser;
  let verify;
  let tamperedSeq;

  before(async () => {
    fixture = await fixtures.buildFixture();
    const alice = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts;
    // alice's denial of the camera: "denied" becomes "denieD" (one byte).
    const denial = alice.find((r) => r.scope === 'scope.camera' && r.decision === 'denied');
    tamperedSeq = denial.seq;
    // The log's append-only trigger stops honest writers, not someone with the
    // file: dropped for the edit and put back as it was.
    const trigger = sqlite(fixture.db, "SELECT sql FROM sqlite_master WHERE name = 'consent_log_append_only_update';").trim();
    assert.match(trigger, /^CREATE TRIGGER consent_log_append_only_update/);
    sqlite(
      fixture.db,
      `DROP TRIGGER consent_log_append_only_update;
       UPDATE consent_log SET record = replace(record, '"denied"', '"denieD"') WHERE seq = ${tamperedSeq};
       ${trigger};
       INSERT INTO grants (user_id, app_id, plugin_id, scope, state, source, updated_at)
         VALUES ('alice', 'wxDemo', '', 'scope.bluetooth', 1, 'dialog', ${Date.now()});`,
    );
    const run = fixtures.runCli(['audit', 'verify', '--db', fixture.db]);
    assert.equal(run.status, 2, `audit verify sees the tampering: ${run.stdout} ${run.stderr}`);
    verify = JSON.parse(run.stdout.split('\n')[0]);
    inspector = await Inspector.start(fixture.db, [...fixture.manifestArgs, ...fixture.policyArgs]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (inspector) await inspector.stop();
    if (fixture) fixtures.removeFixture(fixture.dir);
  });

  test("the timeline's marks are audit verify's: the broken record, the ones after it, the unbacked rows", async () => {
    assert.equal(verify.intact, false);
    assert.equal(verify.firstBrokenSeq, tamperedSeq, 'audit verify names the flipped record');
    assert.ok(verify.unmatchedRows.length >= 1, 'audit verify names the inserted row');
    assert.ok(verify.unmatchedRows.every((row) => row.includes('alice')), 'every unbacked row is alice\'s');

    const page = await browser.page();
    await page.goto(inspector.view('users/alice'));
    await screenshot(page, 'timeline-tampered');
    assert.equal(await page.getAttribute('#chain-status', 'data-intact'), 'false');
    const items = await page.$$eval('#timeline li[data-seq]', (lis) =>
      lis.map((li) => ({ seq: Number(li.dataset.seq), chain: li.dataset.chain })));
    assert.ok(items.some((i) => i.seq === tamperedSeq), 'the broken record is listed');
    for (const { seq, chain } of items) {
      const expected = seq < verify.firstBrokenSeq ? 'verified' : seq === verify.firstBrokenSeq ? 'broken' : 'after-break';
      assert.equal(chain, expected, `record ${seq}`);
    }
    assert.ok(items.some((i) => i.chain === 'after-break'), 'alice has records after the break');
    const unbacked = await page.$$eval('#unbacked li', (lis) => lis.map((li) => li.textContent.trim()));
    assert.deepEqual(unbacked.sort(), verify.unmatchedRows.slice().sort());
  });

  test('another user, all of whose records come before the break, reads verified', async () => {
    const carol = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'carol'])).receipts;
    assert.ok(carol.every((r) => r.seq < tamperedSeq), "carol's grant came first (100 days ago)");
    const page = await browser.page();
    await page.goto(inspector.view('users/carol'));
    const chains = await page.$$eval('#timeline li[data-seq]', (lis) => lis.map((li) => li.dataset.chain));
    assert.deepEqual(chains, carol.map(() => 'verified'));
  });
});
