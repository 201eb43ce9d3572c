// Every read view of `miniapp-auth inspect` in a real headless chromium, on a
// file the real bridge and CLI made: the matrix with every state, the
// timeline, the app view, the why and the exports, each with the contract's
// markup hooks (docs/inspector.md); manifest text shown literally (no script of
// it runs); no request leaves the origin; axe-core finds no serious or critical
// violation; a screenshot of each view is kept; and reading left the file's
// bytes as they were.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fixtures = require('./fixture');
const { Inspector, Browser, seriousViolations, screenshot, databaseDigests, ARTIFACTS } = require('./harness');

const { EXPECTED_STATES, XSS_NAME, XSS_PURPOSE, MANIFESTS, ALL_USERS, FORMULA_USERS, runCliOk } = fixtures;

/** The rows (data-user, data-app, data-plugin) of the matrix on the page. */
function matrixRows(page) {
  return page.$$eval('#matrix tr[data-user]', (rows) =>
    rows.map((row) => ({ user: row.dataset.user, app: row.dataset.app, plugin: row.dataset.plugin })));
}

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A spreadsheet-safe cell: text that starts with = + - @ gets a leading '. */
function formulaSafe(text) {
  return /^[=+\-@]/.test(text) ? `'${text}` : text;
}

describe('the read views', { timeout: 120_000 }, () => {
  let fixture;
  let digestsBefore;
  /** The log head before any view was read (`audit export`'s). */
  let logHead;
  let inspector;
  let browser;
  let page;
  /** Each view visited: [name, url] — screenshotted and checked by axe-core at the end. */
  const visited = [];

  before(async () => {
    fixture = await fixtures.buildFixture();
    digestsBefore = databaseDigests(fixture.db);
    logHead = JSON.parse(runCliOk(['audit', 'export', '--db', fixture.db])).logHead;
    inspector = await Inspector.start(fixture.db, [...fixture.manifestArgs, ...fixture.policyArgs]);
    browser = await Browser.launch();
    page = await browser.page();
  });

  after(async () => {
    if (browser) await browser.close();
    if (inspector) await inspector.stop();
    if (fixture) fixtures.removeFixture(fixture.dir);
  });

  /** Opens a view and checks what every page has (lang, title, one h1, nav, main, log head). */
  async function open(name, route) {
    const response = await page.goto(inspector.view(route));
    assert.equal(response.status(), 200, `${route}: status`);
    visited.push([name, route]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.ok((await page.title()).length > 0, `${route}: a title`);
    assert.equal(await page.locator('h1').count(), 1, `${route}: one h1`);
    const nav = (await page.textContent('nav')) || '';
    for (const link of ['Matrix', 'Why', 'Exports']) assert.match(nav, new RegExp(link), `${route}: nav has ${link}`);
    assert.equal(await page.locator('main').count(), 1, `${route}: a main`);
    const head = await page.textContent('body');
    assert.ok(head.includes(logHead.hash.slice(0, 12)), `${route}: shows the log head's hash ${logHead.hash.slice(0, 12)}`);
    return response;
  }

  test('the matrix: every state of the fixture in its cell, with a text label and a title', async () => {
    await open('matrix', '');
    const scopes = await page.$$eval('#matrix th[data-scope]', (cells) => cells.map((c) => c.dataset.scope));
    for (const [, , scope] of EXPECTED_STATES) assert.ok(scopes.includes(scope), `a column for ${scope}`);
    const wrong = [];
    for (const [user, app, scope, state] of EXPECTED_STATES) {
      await page.goto(inspector.view(`?user=${encodeURIComponent(user)}`));
      const cell = page.locator(`#matrix tr[data-user="${user}"][data-app="${app}"][data-plugin=""] td[data-scope="${scope}"]`);
      assert.equal(await cell.count(), 1, `one cell for ${user} ${app} ${scope}`);
      const shown = await cell.getAttribute('data-state');
      if (shown !== state) wrong.push(`${user} ${app} ${scope}: ${shown}, expected ${state}`);
      const label = (await cell.textContent()).trim();
      assert.ok(label.length > 0, `${user} ${app} ${scope}: a text label, not colour alone`);
      assert.ok(((await cell.getAttribute('title')) || '').length > 0, `${user} ${app} ${scope}: a title with details`);
    }
    assert.deepEqual(wrong, []);
  });

  test('the matrix: 20 users a page, prev/next links, the summary, every user on one page only', async () => {
    await page.goto(inspector.view(''));
    const total = ALL_USERS.length;
    assert.match(await page.textContent('#matrix-summary'), new RegExp(`1\\s*[–-]\\s*20\\b.*\\b${total}\\b`));
    const first = new Set((await matrixRows(page)).map((r) => r.user));
    assert.equal(first.size, 20);
    assert.equal(await page.locator('a[rel="prev"]').count(), 0, 'no previous page on the first');
    await Promise.all([page.waitForURL(/page=2/), page.click('a[rel="next"]')]);
    assert.match(await page.textContent('#matrix-summary'), new RegExp(`21\\s*[–-]\\s*${total}\\b.*\\b${total}\\b`));
    const second = new Set((await matrixRows(page)).map((r) => r.user));
    assert.equal(second.size, total - 20);
    assert.equal(await page.locator('a[rel="next"]').count(), 0, 'no next page on the last');
    assert.equal(await page.locator('a[rel="prev"]').count(), 1);
    assert.deepEqual([...first, ...second].sort(), ALL_USERS.slice().sort(), 'every user once');
  });

  test('the matrix: filters by user and by app; a user links to the timeline, an app to its view, a cell to its why', async () => {
    await page.goto(inspector.view('?app=wxEvil'));
    assert.deepEqual(await matrixRows(page), [{ user: 'alice', app: 'wxEvil', plugin: '' }]);
    await page.goto(inspector.view('?user=bob'));
    const bob = await matrixRows(page);
    assert.ok(bob.length > 0 && bob.every((r) => r.user === 'bob'), JSON.stringify(bob));

    await page.goto(inspector.view('?user=alice'));
    const row = '#matrix tr[data-user="alice"][data-app="wxDemo"][data-plugin=""]';
    const userHref = await page.locator(`${row} a[href*="users/alice"]`).first().getAttribute('href');
    assert.ok(userHref, 'the user cell links to the timeline');
    const appHref = await page.locator(`${row} a[href*="apps/wxDemo"]`).first().getAttribute('href');
    assert.ok(appHref, 'the app cell links to the app view');
    await Promise.all([
      page.waitForURL(/\/why\?/),
      page.locator(`${row} td[data-scope="scope.camera"] a`).first().click(),
    ]);
    const why = new URL(page.url()).searchParams;
    assert.equal(why.get('user'), 'alice');
    assert.equal(why.get('app'), 'wxDemo');
    assert.equal(why.get('api'), 'authorize');
    assert.equal(why.get('scope'), 'scope.camera');
    assert.equal(await page.textContent('#why-result'), 'authorize:fail auth deny');
  });

  test('the timeline: each record of the user, verified one by one, with its decision, source, purpose, contract and hlc', async () => {
    await open('timeline', 'users/alice');
    for (const user of ['alice', 'dave']) {
      await page.goto(inspector.view(`users/${user}`));
      const receipts = JSON.parse(runCliOk(['audit', 'export', '--db', fixture.db, '--user', user])).receipts;
      assert.ok(receipts.length >= 2, `${user} has records`);
      const items = await page.$$eval('#timeline li[data-seq]', (lis) =>
        lis.map((li) => ({ seq: Number(li.dataset.seq), chain: li.dataset.chain, text: li.textContent })));
      assert.deepEqual(items.map((i) => i.seq).sort((a, b) => a - b), receipts.map((r) => r.seq).sort((a, b) => a - b));
      for (const item of items) assert.equal(item.chain, 'verified', `${user}'s record ${item.seq}`);
      assert.equal(await page.getAttribute('#chain-status', 'data-intact'), 'true');
      assert.equal(await page.locator('#unbacked li').count(), 0, 'no unbacked row');
      for (const receipt of receipts) {
        const item = items.find((i) => i.seq === receipt.seq);
        const shows = (what, value) => assert.ok(item.text.includes(value), `${user}'s record ${receipt.seq} shows its ${what} ${value}`);
        shows('decision', receipt.decision);
        if (receipt.scope) shows('scope', receipt.scope);
        shows('source', receipt.source);
        shows('hlc', receipt.hlc);
        if (receipt.purpose) shows('purpose seen', receipt.purpose);
        if (receipt.contractVersion) shows('contract version', receipt.contractVersion);
      }
    }
    assert.ok(
      JSON.parse(runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'dave'])).receipts.some((r) => r.contractVersion === 'v2026.1-notes'),
      "dave's records carry the contract version",
    );
    await page.goto(inspector.view('users/alice'));
    const receipts = JSON.parse(runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])).receipts;
    // The purpose string wxEvil's manifest carried is text, never markup.
    const evil = receipts.find((r) => r.appId === 'wxEvil');
    assert.equal(evil.purpose, XSS_PURPOSE);
    assert.equal(await page.locator('#xp2').count(), 0, 'no element made of the purpose string');
    assert.equal(await page.locator('main svg').count(), 0);
  });

  test('the app view: the manifest against what was asked and granted; its name escaped', async () => {
    await open('app', 'apps/wxDemo');
    assert.match(await page.textContent('h1'), /Demo Shop/);
    const scopes = await page.$$eval('#app-scopes tr[data-scope]', (rows) => rows.map((r) => r.dataset.scope));
    const declared = Object.keys(MANIFESTS.wxDemo.permission);
    const asked = EXPECTED_STATES.filter(([, app, , state]) => app === 'wxDemo' && state !== 'unasked').map(([, , s]) => s);
    for (const scope of [...declared, ...asked]) assert.ok(scopes.includes(scope), `a row for ${scope}: ${scopes}`);
    // Cells: declared (purpose), asked (users with a record), granted now, denied now.
    const cells = async (scope) =>
      page.$$eval(`#app-scopes tr[data-scope="${scope}"] td`, (tds) => tds.map((td) => td.textContent.trim()));
    for (const [scope, { desc }] of Object.entries(MANIFESTS.wxDemo.permission)) {
      assert.equal((await cells(scope))[0], desc, `${scope}'s purpose`);
    }
    const camera = await cells('scope.camera');
    assert.match(camera[1], /\balice\b/, `asked: ${camera}`);
    assert.doesNotMatch(camera[2], /\balice\b/, `granted now: ${camera}`);
    assert.match(camera[3], /\balice\b/, `denied now: ${camera}`);
    const record = await cells('scope.record');
    const purposes = Object.values(MANIFESTS.wxDemo.permission).map((p) => p.desc);
    assert.ok(!purposes.some((p) => record[0].includes(p)), `scope.record is not declared: ${record}`);
    assert.ok(/\balice\b/.test(record[1]) && /\bcarol\b/.test(record[1]), `asked: ${record}`);
    assert.match(record[2], /\balice\b/, `granted now: ${record}`);
    // Due for auto-revoke still grants until maintenance revokes it (the call
    // is allowed now); an allow-once answer lasted its run only.
    assert.match(record[2], /\bcarol\b/, `carol's grant, due for auto-revoke, still grants now: ${record}`);
    assert.doesNotMatch(record[2], /\bbob\b/, `bob's allow-once answer is not a grant now: ${record}`);

    await page.goto(inspector.view('apps/wxEvil'));
    assert.equal((await page.textContent('h1')).includes(XSS_NAME), true, 'the name shown literally');
    assert.equal(await page.locator('#xss-probe').count(), 0, 'no element made of the name');
    assert.equal(await page.locator('main img').count(), 0);
    assert.ok((await page.textContent('#app-scopes')).includes(XSS_PURPOSE), 'the purpose shown literally');
    assert.equal(await page.locator('#xp2').count(), 0);

    await page.goto(inspector.view('apps/wxPlain'));
    assert.match(await page.textContent('main'), /no manifest given/);
  });

  test('the why view: the verdict, the rule, the result and the facts', async () => {
    await open('why', 'why?user=alice&app=wxDemo&api=authorize&scope=scope.record');
    assert.equal(await page.getAttribute('#why', 'data-verdict'), 'allow');
    assert.ok(((await page.getAttribute('#why', 'data-rule')) || '').length > 0, 'a rule');
    assert.equal(await page.textContent('#why-result'), 'authorize:ok');
    assert.ok((await page.locator('#why-facts dt').count()) > 0, 'facts');
    // Every input of the form has a label.
    const unlabelled = await page.$$eval('form input:not([type=hidden]):not([type=submit]), form select', (inputs) =>
      inputs.filter((i) => !(i.labels && i.labels.length > 0) && !i.getAttribute('aria-label')).map((i) => i.name));
    assert.deepEqual(unlabelled, []);
  });

  test('the exports: NDJSON records, receipts and CSV, as the CLI gives them', async () => {
    await page.goto(inspector.view(''));
    await Promise.all([page.waitForLoadState(), page.click('nav >> text=Exports')]);
    visited.push(['exports', new URL(page.url()).pathname.replace(`/${inspector.token}/`, '') + new URL(page.url()).search]);
    const hrefs = await page.$$eval('a[href]', (links) => links.map((a) => a.getAttribute('href')));
    for (const file of ['export/records.ndjson', 'export/receipts.json', 'export/grants.csv']) {
      assert.ok(hrefs.some((h) => h.includes(file)), `a link to ${file}: ${hrefs}`);
    }
    // Fetched by the page itself (the browser's own requests, recorded like the rest).
    const fetchText = (route) =>
      page.evaluate(async (url) => {
        const response = await fetch(url);
        return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
      }, inspector.view(route));

    const everything = JSON.parse(runCliOk(['audit', 'export', '--db', fixture.db]));
    const ndjson = await fetchText('export/records.ndjson');
    assert.equal(ndjson.status, 200);
    const lines = ndjson.body.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
    assert.deepEqual(lines, everything.receipts);

    const receipts = await fetchText('export/receipts.json');
    assert.equal(receipts.status, 200);
    assert.deepEqual(JSON.parse(receipts.body), everything);
    const alice = await fetchText('export/receipts.json?user=alice');
    assert.deepEqual(JSON.parse(alice.body), JSON.parse(runCliOk(['audit', 'export', '--db', fixture.db, '--user', 'alice'])));

    const csv = await fetchText('export/grants.csv');
    assert.equal(csv.status, 200);
    const rows = parseCsv(csv.body);
    assert.deepEqual(rows[0], ['user', 'app', 'plugin', 'scope', 'state', 'source', 'updated_at_ms', 'expires_at_ms', 'last_used_at_ms']);
    const listed = runCliOk(['grants', 'list', '--db', fixture.db]).split('\n').filter((l) => l).map((l) => JSON.parse(l));
    const expected = listed.map((g) => [
      formulaSafe(g.user), formulaSafe(g.app), formulaSafe(g.plugin || ''), formulaSafe(g.scope), g.state, g.source,
      String(g.updatedAtMs), g.expiresAtMs === null ? '' : String(g.expiresAtMs), g.lastUsedAtMs === null ? '' : String(g.lastUsedAtMs),
    ]);
    const key = (r) => r.slice(0, 4).join('\u0000');
    assert.deepEqual(rows.slice(1).sort((a, b) => key(a).localeCompare(key(b))), expected.sort((a, b) => key(a).localeCompare(key(b))));
    for (const user of FORMULA_USERS) {
      assert.ok(rows.some((r) => r[0] === `'${user}`), `${user} starts with ' in the CSV`);
    }
  });

  test('without JavaScript every read view still shows its data', async () => {
    const plain = await Browser.launch({ javaScriptEnabled: false });
    try {
      const tab = await plain.page();
      const hooks = {
        '': '#matrix tr[data-user="alice"] td[data-state="granted"]',
        'users/dave': '#timeline li[data-chain="verified"]',
        'apps/wxDemo': '#app-scopes tr[data-scope="scope.camera"]',
        'why?user=alice&app=wxDemo&api=authorize&scope=scope.camera': '#why[data-verdict="refuse"] #why-result',
      };
      for (const [route, hook] of Object.entries(hooks)) {
        await tab.goto(inspector.view(route));
        assert.equal(await tab.locator(hook).count() > 0, true, `${route}: ${hook}`);
      }
      // The script's own additions are absent: what is shown is the server's HTML.
      await tab.goto(inspector.view(''));
      assert.equal(await tab.locator('#matrix-filter').count(), 0);
      assert.deepEqual(plain.requestsOutside(inspector.origin), []);
    } finally {
      await plain.close();
    }
  });

  test('axe-core: no serious or critical violation on any view; a screenshot of each kept', async () => {
    assert.deepEqual(visited.map(([name]) => name), ['matrix', 'timeline', 'app', 'why', 'exports']);
    const extra = [['app-xss', 'apps/wxEvil'], ['matrix-page-2', '?page=2']];
    const problems = {};
    for (const [name, route] of [...visited, ...extra]) {
      await page.goto(inspector.view(route));
      const file = await screenshot(page, name);
      const violations = await seriousViolations(page);
      if (violations.length > 0) problems[name] = violations;
      assert.ok(file.startsWith(ARTIFACTS));
    }
    assert.deepEqual(problems, {});
  });

  test('no request left the origin and no dialog opened on any view', () => {
    assert.ok(browser.requests.length > 10, `requests were recorded (${browser.requests.length})`);
    assert.deepEqual(browser.requestsOutside(inspector.origin), []);
    assert.deepEqual(browser.dialogs, []);
  });

  test("reading every view left the file's bytes (and its -wal) as they were", async () => {
    await browser.close();
    browser = null;
    await inspector.stop();
    inspector = null;
    assert.deepEqual(databaseDigests(fixture.db), digestsBefore);
  });
});
