// The why form against the real answer: for each call, the inspector's answer —
// through the plain HTML form (chromium with JavaScript off) and through the
// page's script (why.json) — is compared with what `miniapp-auth bridge`, a host
// on a copy of the same file with the same manifests and policy, answers the
// same call: the same errMsg, or, when the inspector says a dialog would show,
// the bridge's dialog event for that call.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fixtures = require('./fixture');
const { Inspector, Browser, screenshot } = require('./harness');

/**
 * The calls asked of both: [user, app, api, scope or null, plugin?].
 * Between them: a grant, a denial, a guarded API under a time-limited grant, an
 * embargo after dismissals, a scope never asked (a dialog), an app whose
 * privacy contract the user never agreed to (the privacy popup), an app with
 * no manifest (no purpose string), a grant due for auto-revoke, an invalid
 * scope, a plugin's authorize (not offered to plugins) and a scope a plugin may
 * not ask for.
 */
const CALLS = [
  ['alice', 'wxDemo', 'authorize', 'scope.record'],
  ['alice', 'wxDemo', 'authorize', 'scope.camera'],
  ['alice', 'wxDemo', 'getLocation', null],
  ['bob', 'wxDemo', 'authorize', 'scope.camera'],
  ['alice', 'wxDemo', 'authorize', 'scope.writePhotosAlbum'],
  ['erin', 'wxPrivate', 'authorize', 'scope.record'],
  ['alice', 'wxPlain', 'authorize', 'scope.userLocation'],
  ['carol', 'wxDemo', 'authorize', 'scope.record'],
  ['alice', 'wxDemo', 'authorize', 'scope.nonsense'],
  ['alice', 'wxDemo', 'authorize', 'scope.record', 'wxPlugin1'],
  ['alice', 'wxDemo', 'authorizeForMiniProgram', 'scope.userLocation', 'wxPlugin1'],
];

/**
 * What the page shows for a verdict that needs a dialog: the contract's
 * phrases (both, in some order, when both dialogs are needed).
 */
const DIALOG_TEXT = {
  'ask-user': /^would show the consent dialog$/,
  'ask-privacy': /^would ask for the privacy agreement$/,
  'ask-user-and-privacy': /^would (?=.*ask for the privacy agreement)(?=.*show the consent dialog)/,
};

/** The bridge's dialog event a dialog verdict stands for. */
const DIALOG_EVENT = { 'ask-user': 'consent', 'ask-privacy': 'privacy', 'ask-user-and-privacy': 'privacy' };

describe('the why form against the bridge', { timeout: 120_000 }, () => {
  let fixture;
  let twin;
  let inspector;
  let browser;
  let plain;
  /** The real answers: key → {result, events} from a bridge on a copy of the file. */
  const real = new Map();
  const key = ([user, app, api, scope, plugin]) => `${user} ${app} ${api} ${scope}${plugin ? ` (plugin ${plugin})` : ''}`;

  before(async () => {
    fixture = await fixtures.buildFixture();
    twin = fixtures.copyDatabase(fixture.db);
    inspector = await Inspector.start(fixture.db, [...fixture.manifestArgs, ...fixture.policyArgs]);
    browser = await Browser.launch();
    plain = await Browser.launch({ javaScriptEnabled: false });
    // The host's real answers, one call at a time (a dialog is dismissed /
    // disagreed once seen: its event is what is compared).
    const bridge = new fixtures.Bridge(twin, {
      answer: (event) => ({ decision: event.event === 'privacy' ? 'disagree' : 'dismiss' }),
    });
    await bridge.registerManifests();
    for (const call of CALLS) {
      const [user, app, api, scope, plugin] = call;
      const seen = bridge.events.length;
      const result = await bridge.call(user, app, api, scope ? { scope } : {}, plugin ? { plugin } : {});
      real.set(key(call), { result, events: bridge.events.slice(seen) });
    }
    await bridge.close();
  });

  after(async () => {
    if (plain) await plain.close();
    if (browser) await browser.close();
    if (inspector) await inspector.stop();
    if (fixture) fixtures.removeFixture(fixture.dir);
    if (twin) fixtures.removeFixture(twin);
  });

  /** Checks a page's answer (#why) against the bridge's for the call. */
  async function checkAgainstBridge(page, call, how) {
    const [user, app, api, scope] = call;
    const { result, events } = real.get(key(call));
    const verdict = await page.getAttribute('#why', 'data-verdict');
    const rule = await page.getAttribute('#why', 'data-rule');
    const shown = (await page.textContent('#why-result')).trim();
    assert.ok(rule && rule.length > 0, `${how} ${key(call)}: a rule`);
    if (DIALOG_TEXT[verdict]) {
      assert.match(shown, DIALOG_TEXT[verdict], `${how} ${key(call)}`);
      const event = events[0];
      assert.ok(event, `${how} ${key(call)}: the inspector says ${verdict}; the bridge opened no dialog but answered ${JSON.stringify(result)}`);
      assert.equal(event.event, DIALOG_EVENT[verdict], `${how} ${key(call)}: the bridge's first dialog`);
      assert.equal(event.user, user);
      assert.equal(event.app, app);
      if (event.event === 'consent' && scope) assert.equal(event.scope, scope);
    } else {
      assert.ok(['allow', 'refuse'].includes(verdict), `${how} ${key(call)}: verdict ${verdict}`);
      assert.deepEqual(events, [], `${how} ${key(call)}: the inspector says no dialog; the bridge opened one`);
      assert.equal(shown, result.errMsg, `${how} ${key(call)}: the errMsg the mini app gets`);
      assert.equal(verdict === 'allow', /:ok$/.test(result.errMsg), `${how} ${key(call)}: verdict ${verdict} for ${result.errMsg}`);
    }
  }

  /** Fills the why form on the page and submits it. */
  async function submitForm(page, [user, app, api, scope, plugin]) {
    await page.fill('form [name="user"]', user);
    await page.fill('form [name="app"]', app);
    await page.fill('form [name="api"]', api);
    await page.fill('form [name="scope"]', scope || '');
    await page.fill('form [name="plugin"]', plugin || '');
    await page.locator('form [type="submit"]').first().click();
  }

  test('the plain form (no JavaScript) answers as the bridge does, call by call', async () => {
    const page = await plain.page();
    for (const call of CALLS) {
      await page.goto(inspector.view('why'));
      await Promise.all([page.waitForURL(/\/why\?/), submitForm(page, call)]);
      const params = new URL(page.url()).searchParams;
      assert.equal(params.get('user'), call[0]);
      assert.equal(params.get('api'), call[2]);
      await checkAgainstBridge(page, call, 'form');
    }
    await screenshot(page, 'why-plain-form');
  });

  test("the page's script (why.json) answers as the bridge does, call by call", async () => {
    const page = await browser.page();
    await page.goto(inspector.view('why'));
    for (const call of CALLS) {
      const asked = browser.requests.length;
      // The last call's answer is wiped first, so the wait below sees this call's.
      await page.evaluate(() => {
        const output = document.querySelector('#why-result');
        if (output) output.textContent = '';
      });
      const [json] = await Promise.all([
        page.waitForResponse((response) => /\/why\.json\?/.test(response.url()), { timeout: 10_000 }),
        submitForm(page, call),
      ]);
      assert.equal(json.status(), 200);
      const explanation = await json.json();
      await page.waitForFunction(() => {
        const output = document.querySelector('#why-result');
        return output && output.textContent.trim() !== '';
      }, null, { timeout: 5000 });
      assert.ok(browser.requests.slice(asked).some((url) => /\/why\.json\?/.test(url)), 'the script asked why.json');
      assert.equal(explanation.api, call[2]);
      await checkAgainstBridge(page, call, 'script');
    }
    await screenshot(page, 'why-script');
    assert.deepEqual(browser.requestsOutside(inspector.origin), []);
    assert.deepEqual(browser.dialogs, []);
  });
});
