// What `miniapp-auth inspect` answers to requests a page of another site could
// make (DNS rebinding: another Host header), to requests without its token, and
// the headers every answer carries; and that a read-only inspector renders no
// form that writes and refuses POST. Raw HTTP from node, so the Host header is
// exactly what the test says.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const fixtures = require('./fixture');
const { Inspector } = require('./harness');

/** One raw HTTP request to the inspector's port; resolves with {status, headers, body}. */
function request(port, { method = 'GET', path, host, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { Host: host, ...headers }, setHost: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** Routes that hold data; none may give any of it away to a wrong request. */
const DATA_ROUTES = [
  '',
  '?user=alice',
  'users/alice',
  'apps/wxDemo',
  'why?user=alice&app=wxDemo&api=authorize&scope=scope.record',
  'why.json?user=alice&app=wxDemo&api=authorize&scope=scope.record',
  'export/records.ndjson',
  'export/receipts.json',
  'export/grants.csv',
];

/** Text that only the file's data holds (user and app ids, the manifest's words). */
const DATA_WORDS = ['alice', 'wxDemo', 'scope.record', 'Demo Shop', 'authorize:ok'];

describe('requests from elsewhere', { timeout: 120_000 }, () => {
  let fixture;
  let inspector;

  before(async () => {
    fixture = await fixtures.buildFixture();
    inspector = await Inspector.start(fixture.db, [...fixture.manifestArgs, ...fixture.policyArgs]);
  });

  after(async () => {
    if (inspector) await inspector.stop();
    if (fixture) fixtures.removeFixture(fixture.dir);
  });

  test('another Host header (DNS rebinding) gets 421 and no data', async () => {
    for (const route of DATA_ROUTES) {
      for (const host of [`evil.example:${inspector.port}`, 'evil.example', `127.0.0.1:${inspector.port + 1}`, `127.0.0.1.evil.example:${inspector.port}`]) {
        const answer = await request(inspector.port, { path: `/${inspector.token}/${route}`, host });
        assert.equal(answer.status, 421, `${host} ${route}`);
        for (const word of DATA_WORDS) assert.ok(!answer.body.includes(word), `${host} ${route}: no "${word}" in ${answer.body}`);
      }
    }
  });

  test('the loopback names with the right port are served', async () => {
    for (const host of [`127.0.0.1:${inspector.port}`, `localhost:${inspector.port}`]) {
      const answer = await request(inspector.port, { path: `/${inspector.token}/users/alice`, host });
      assert.equal(answer.status, 200, host);
      assert.ok(answer.body.includes('alice'));
    }
  });

  test('without the token, or with another, 404 "not found" and no data', async () => {
    const host = `127.0.0.1:${inspector.port}`;
    const other = inspector.token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    for (const route of DATA_ROUTES) {
      for (const path of [`/${route}`, `/${other}/${route}`, `/${inspector.token.slice(0, 63)}/${route}`]) {
        const answer = await request(inspector.port, { path, host });
        assert.equal(answer.status, 404, path);
        assert.equal(answer.body.trim(), 'not found', path);
      }
    }
  });

  test('every answer carries the CSP and the other safety headers', async () => {
    const host = `127.0.0.1:${inspector.port}`;
    const routes = [...DATA_ROUTES, 'static/inspector.js', 'static/inspector.css'];
    for (const route of routes) {
      const answer = await request(inspector.port, { path: `/${inspector.token}/${route}`, host });
      assert.equal(answer.status, 200, route);
      assert.equal(
        answer.headers['content-security-policy'],
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        route,
      );
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', route);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', route);
      assert.equal(answer.headers['cache-control'], 'no-store', route);
    }
    for (const answer of [
      await request(inspector.port, { path: '/', host }),
      await request(inspector.port, { path: `/${inspector.token}/`, host: 'evil.example' }),
    ]) {
      assert.equal(answer.headers['content-security-policy'].startsWith("default-src 'self'"), true);
    }
  });

  test('read-only (no --allow-writes): no form that writes, and POST answers 405 changing nothing', async () => {
    const host = `127.0.0.1:${inspector.port}`;
    for (const route of ['', 'users/alice', 'apps/wxDemo', 'why?user=alice&app=wxDemo&api=authorize&scope=scope.record']) {
      const page = await request(inspector.port, { path: `/${inspector.token}/${route}`, host });
      assert.ok(!/<form[^>]*method=["']?post/i.test(page.body), `${route}: no POST form`);
    }
    const before = fixtures.runCliOk(['grants', 'list', '--db', fixture.db]);
    const body = 'user=alice&app=wxDemo&plugin=&scope=scope.camera&action=grant&csrf=x';
    for (const path of [`/${inspector.token}/grants`, `/${inspector.token}/apps/wxDemo/reset`]) {
      const answer = await request(inspector.port, {
        method: 'POST',
        path,
        host,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: inspector.origin },
        body,
      });
      assert.equal(answer.status, 405, path);
    }
    assert.equal(fixtures.runCliOk(['grants', 'list', '--db', fixture.db]), before);
  });
});
