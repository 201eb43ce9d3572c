// Live refresh: a matrix open in chromium hears (server-sent events, the page's
// EventSource) that another process committed to the file — `miniapp-auth
// grants set`, a separate CLI process — and shows the new grant within a few
// seconds, with no reload by the test.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fixtures = require('./fixture');
const { Inspector, Browser } = require('./harness');

describe('live refresh', { timeout: 120_000 }, () => {
  let fixture;
  let inspector;
  let browser;

  before(async () => {
    fixture = await fixtures.buildFixture();
    inspector = await Inspector.start(fixture.db, [...fixture.manifestArgs, ...fixture.policyArgs]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (inspector) await inspector.stop();
    if (fixture) fixtures.removeFixture(fixture.dir);
  });

  test("another process's commit reloads the open matrix within a few seconds", async () => {
    const page = await browser.page();
    await page.goto(inspector.view('?user=zed'));
    assert.equal(await page.locator('#matrix tr[data-user="zed"]').count(), 0, 'zed has nothing yet');
    // The page is listening (its EventSource asked for the events).
    const deadline = Date.now() + 5000;
    while (!browser.requests.some((url) => /\/events$/.test(new URL(url).pathname)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(browser.requests.some((url) => /\/events$/.test(new URL(url).pathname)), 'the page subscribed to /events');

    const started = Date.now();
    fixtures.runCliOk(['grants', 'set', '--db', fixture.db, '--user', 'zed', '--app', 'wxDemo', '--scope', 'scope.camera', '--state', 'granted']);
    const cell = page.locator('#matrix tr[data-user="zed"][data-app="wxDemo"] td[data-scope="scope.camera"]');
    await cell.waitFor({ timeout: 5000 });
    assert.equal(await cell.getAttribute('data-state'), 'granted');
    const took = Date.now() - started;
    assert.ok(took < 5000, `shown after ${took} ms`);
    assert.deepEqual(browser.requestsOutside(inspector.origin), []);
  });
});
