// `miniapp-auth inspect --allow-writes` in chromium: an administrator's change
// through the app view's forms goes through the engine's one door (a consent
// record with source admin, the chain still intact, `grants list` agreeing)
// and lands back on the view; a reset records what the CLI's `grants reset`
// records; a form another origin posts — without the CSRF
// token, or with it but from elsewhere — is refused with 403 and changes nothing.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fixtures = require('./fixture');
const { Inspector, Browser, screenshot } = require('./harness');

/** The fixture's stored grants of a user in an app, from the CLI, by scope. */
function grantsOf(db, user, app) {
  const lines = fixtures.runCliOk(['grants', 'list', '--db', db, '--user', user, '--app', app]);
  return Object.fromEntries(lines.split('\n').filter((l) => l).map((l) => JSON.parse(l)).map((g) => [g.scope, g]));
}

/** Polls `check` (returns a value or undefined) every 100 ms until it gives a value or `ms` pass. */
async function eventually(check, what, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the app view on the page lists `user` as granted now for `scope`. */
async function grantedNowShows(page, scope, user) {
  await page.waitForFunction(
    ([scope, user]) => {
      const row = document.querySelector(`#app-scopes tr[data-scope="${scope}"]`);
      const cells = row ? row.querySelectorAll('td') : [];
      return cells.length > 2 && new RegExp(`\\b${user}\\b`).test(cells[2].textContent);
    },
    [scope, user],
  );
}

describe('writes (--allow-writes)', { timeout: 120_000 }, () => {
  let fixture;
  let inspector;
  let browser;
  /** The one tab every test uses (one EventSource open on the server at a time). */
  let page;

  before(async () => {
    fixture = await fixtures.buildFixture();
    inspector = await Inspector.start(fixture.db, ['--allow-writes', ...fixture.manifestArgs, ...fixture.policyArgs]);
    browser = await Browser.launch();
    page = await browser.page();
  });

  after(async () => {
    if (browser) await browser.close();
    if (inspector) await inspector.stop();
    if (fixture) fixtures.removeFixture(fixture.dir);
  });

  test("the app view's grant form: an admin record through the door, back on the view", async () => {
    await page.goto(inspector.view('apps/wxDemo'));
    const form = page.locator('form[method="post"][action$="/grants"]');
    assert.equal(await form.count(), 1, 'a grant form');
    assert.ok(((await form.locator('input[type="hidden"][name="csrf"]').getAttribute('value')) || '').length >= 32, 'a CSRF token');
    await screenshot(page, 'app-writes');
    const recordsBefore = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts.length;

    await form.locator('[name="user"]').fill('alice');
    await form.locator('[name="scope"]').fill('scope.writePhotosAlbum');
    await form.locator('[name="action"]').selectOption('grant');
    // The answer is a 303 back to the view (tests/inspect_server.rs checks the
    // status): here, the write is seen in the file and on the view. (The view's
    // own live refresh may reload it first when it hears the commit.)
    await form.locator('[type="submit"]').click();
    const stored = await eventually(
      () => grantsOf(fixture.db, 'alice', 'wxDemo')['scope.writePhotosAlbum'],
      "alice's new grant in the file",
    );
    assert.equal(stored.state, 'granted');
    assert.equal(stored.source, 'admin');
    await page.waitForURL(inspector.view('apps/wxDemo'));
    await grantedNowShows(page, 'scope.writePhotosAlbum', 'alice');
    const receipts = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts;
    assert.equal(receipts.length, recordsBefore + 1);
    const last = receipts[receipts.length - 1];
    assert.deepEqual([last.scope, last.decision, last.source], ['scope.writePhotosAlbum', 'granted', 'admin']);
    assert.equal(fixtures.runCli(['audit', 'verify', '--db', fixture.db]).status, 0, 'the chain is intact');
  });

  test("the app view's reset form forgets the user's decisions in the app", async () => {
    await page.goto(inspector.view('apps/wxEvil'));
    assert.ok(grantsOf(fixture.db, 'alice', 'wxEvil')['scope.userLocation'], 'alice has a grant in wxEvil');
    // What the CLI's own reset records, on a copy of the same file: the page's must match.
    const twin = fixtures.copyDatabase(fixture.db);
    const seenBefore = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts.length;
    fixtures.runCliOk(['grants', 'reset', '--db', twin, '--app', 'wxEvil', '--user', 'alice']);
    const cliRecords = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', twin, '--user', 'alice'])).receipts.slice(seenBefore);
    fixtures.removeFixture(twin);
    assert.ok(cliRecords.length > 0, 'the CLI records its reset');

    const form = page.locator('form[method="post"][action$="/apps/wxEvil/reset"]');
    assert.equal(await form.count(), 1, 'a reset form');
    await form.locator('[name="user"]').fill('alice');
    await form.locator('[type="submit"]').click();
    await eventually(
      () => (Object.keys(grantsOf(fixture.db, 'alice', 'wxEvil')).length === 0 ? true : undefined),
      "alice's grants in wxEvil gone",
    );
    const pageRecords = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts.slice(seenBefore);
    const gist = (r) => [r.appId, r.scope, r.decision, r.source];
    assert.deepEqual(pageRecords.map(gist), cliRecords.map(gist), "the page's reset records what the CLI's does");
    assert.equal(fixtures.runCli(['audit', 'verify', '--db', fixture.db]).status, 0, 'the chain is intact');
  });

  test('a form posted from another origin is refused (403), with or without the CSRF token', async () => {
    await page.goto(inspector.view('apps/wxDemo'));
    const csrf = await page.locator('form[action$="/grants"] input[name="csrf"]').getAttribute('value');
    const before = fixtures.runCliOk(['grants', 'list', '--db', fixture.db]);
    // A page of no origin of the inspector's (about:blank: its Origin is "null")
    // posts a form, as another site's page would.
    for (const token of ['', csrf]) {
      await page.goto('about:blank');
      await page.setContent(
        `<form method="post" action="${inspector.view('grants')}">
           <input name="csrf" value="${token}"><input name="user" value="bob"><input name="app" value="wxDemo">
           <input name="plugin" value=""><input name="scope" value="scope.camera"><input name="action" value="grant">
           <button type="submit">go</button></form>`,
      );
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(inspector.origin)),
        page.click('button'),
      ]);
      assert.equal(response.status(), 403, `csrf ${token ? 'right' : 'missing'}`);
    }
    assert.equal(fixtures.runCliOk(['grants', 'list', '--db', fixture.db]), before, 'nothing changed');
  });
});
