// `miniapp-auth inspect --allow-writes` in chromium: an administrator's change
// through the app view's forms goes through the engine's one door (a consent
// record with source admin, the chain still intact, `grants list` agreeing)
// and lands back on the view; a form another origin posts — without the CSRF
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

describe('writes (--allow-writes)', () => {
  let fixture;
  let inspector;
  let browser;

  before(async () => {
    fixture = await fixtures.buildFixture();
    inspector = await Inspector.start(fixture.db, ['--allow-writes', ...fixture.manifestArgs, ...fixture.policyArgs]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (inspector) await inspector.stop();
    if (fixture) fixtures.removeFixture(fixture.dir);
  });

  test("the app view's grant form: an admin record through the door, back on the view", async () => {
    const page = await browser.page();
    await page.goto(inspector.view('apps/wxDemo'));
    const form = page.locator('form[method="post"][action$="/grants"]');
    assert.equal(await form.count(), 1, 'a grant form');
    assert.ok(((await form.locator('input[type="hidden"][name="csrf"]').getAttribute('value')) || '').length >= 32, 'a CSRF token');
    await screenshot(page, 'app-writes');
    const recordsBefore = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts.length;

    await form.locator('[name="user"]').fill('alice');
    await form.locator('[name="scope"]').fill('scope.writePhotosAlbum');
    await form.locator('[name="action"]').selectOption('grant');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      form.locator('[type="submit"]').click(),
    ]);
    assert.equal(response.status(), 303);
    await page.waitForURL(inspector.view('apps/wxDemo'));
    const granted = await page.$$eval('#app-scopes tr[data-scope="scope.writePhotosAlbum"] td', (tds) => tds.map((td) => td.textContent));
    assert.match(granted[2], /\balice\b/, `granted now: ${granted}`);

    const stored = grantsOf(fixture.db, 'alice', 'wxDemo')['scope.writePhotosAlbum'];
    assert.equal(stored.state, 'granted');
    assert.equal(stored.source, 'admin');
    const receipts = JSON.parse(fixtures.runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts;
    assert.equal(receipts.length, recordsBefore + 1);
    const last = receipts[receipts.length - 1];
    assert.deepEqual([last.scope, last.decision, last.source], ['scope.writePhotosAlbum', 'granted', 'admin']);
    assert.equal(fixtures.runCli(['audit', 'verify', '--db', fixture.db]).status, 0, 'the chain is intact');
  });

  test("the app view's reset form forgets the user's decisions in the app", async () => {
    const page = await browser.page();
    await page.goto(inspector.view('apps/wxEvil'));
    assert.ok(grantsOf(fixture.db, 'alice', 'wxEvil')['scope.userLocation'], 'alice has a grant in wxEvil');
    const form = page.locator('form[method="post"][action$="/apps/wxEvil/reset"]');
    assert.equal(await form.count(), 1, 'a reset form');
    await form.locator('[name="user"]').fill('alice');
    await Promise.all([page.waitForURL(inspector.view('apps/wxEvil')), form.locator('[type="submit"]').click()]);
    assert.deepEqual(grantsOf(fixture.db, 'alice', 'wxEvil'), {});
    assert.equal(fixtures.runCli(['audit', 'verify', '--db', fixture.db]).status, 0, 'the chain is intact');
  });

  test('a form posted from another origin is refused (403), with or without the CSRF token', async () => {
    const page = await browser.page();
    await page.goto(inspector.view('apps/wxDemo'));
    const csrf = await page.locator('form[action$="/grants"] input[name="csrf"]').getAttribute('value');
    const before = fixtures.runCliOk(['grants', 'list', '--db', fixture.db]);
    // A page of no origin of the inspector's (about:blank: its Origin is "null")
    // posts a form, as another site's page would.
    for (const token of ['', csrf]) {
      const attacker = await browser.context.newPage();
      await attacker.setContent(
        `<form method="post" action="${inspector.view('grants')}">
           <input name="csrf" value="${token}"><input name="user" value="bob"><input name="app" value="wxDemo">
           <input name="plugin" value=""><input name="scope" value="scope.camera"><input name="action" value="grant">
           <button type="submit">go</button></form>`,
      );
      const [response] = await Promise.all([
        attacker.waitForResponse((r) => r.url().startsWith(inspector.origin)),
        attacker.click('button'),
      ]);
      assert.equal(response.status(), 403, `csrf ${token ? 'right' : 'missing'}`);
      await attacker.close();
    }
    assert.equal(fixtures.runCliOk(['grants', 'list', '--db', fixture.db]), before, 'nothing changed');
  });
});
