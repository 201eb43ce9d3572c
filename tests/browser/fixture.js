// The database the browser suite inspects, made the way a host makes one: the
// real `miniapp-auth bridge` over pipes (manifests registered, dialogs answered
// allow / deny / allowUntil / dismiss by a scripted person, old decisions made
// on its manual clock) and `miniapp-auth grants set`. Nothing is written into
// the file by hand (except by the tampering helper, on purpose).
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const readline = require('node:readline');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
// The CLI the JS suite's host runs (target/debug/miniapp-auth, or MINIAPP_AUTH_BIN).
const { BIN } = require('../js/bridge-host');
const { track } = require('./children');

const DAY_MS = 24 * 60 * 60 * 1000;

/** The policy the host runs with: the bridge and the inspector both get it. */
const POLICY_ARGS = ['--max-dismissals', '2', '--auto-revoke-unused-days', '30'];

/**
 * A manifest whose name and purpose string are markup (and would phone out to
 * another origin if they ever became elements): the page must show them as text.
 */
const XSS_NAME = '<img id=xss-probe src=//evil.example/n onerror=alert(1)>&amp;';
const XSS_PURPOSE = '<svg id=xp2 onload=alert(2)>&';

/** The manifests the fixture's host registered, by app (the bridge's register-op shape). */
const MANIFESTS = {
  wxDemo: {
    name: 'Demo Shop',
    permission: {
      'scope.userLocation': { desc: 'Shows the shops near you' },
      'scope.camera': { desc: 'Scans a product code' },
    },
    requiredPrivateInfos: ['getLocation'],
  },
  wxEvil: {
    name: XSS_NAME,
    permission: { 'scope.userLocation': { desc: XSS_PURPOSE } },
    requiredPrivateInfos: ['getLocation'],
  },
  wxPrivate: {
    name: 'Private Notes',
    privacy: { contractName: 'Private Notes guide', version: 'v2026.1-notes', scopes: ['scope.record'] },
  },
};

/**
 * What the fixture's file holds, cell by cell: [user, app, scope, data-state].
 * `unasked` cells are scopes shown as columns that this (user, app) never stored.
 */
const EXPECTED_STATES = [
  ['alice', 'wxDemo', 'scope.record', 'granted'],
  ['alice', 'wxDemo', 'scope.camera', 'denied'],
  ['alice', 'wxDemo', 'scope.userLocation', 'until'],
  ['alice', 'wxDemo', 'scope.writePhotosAlbum', 'unasked'],
  ['alice', 'wxEvil', 'scope.userLocation', 'granted'],
  ['bob', 'wxDemo', 'scope.camera', 'embargoed'],
  ['bob', 'wxDemo', 'scope.record', 'allow-once'],
  ['bob', 'wxDemo', 'scope.writePhotosAlbum', 'granted'],
  ['carol', 'wxDemo', 'scope.record', 'due-for-auto-revoke'],
  ['dave', 'wxPrivate', 'scope.record', 'granted'],
  ['eve', 'wxPlain', 'scope.record', 'granted'],
];

/** Users an administrator granted to from the CLI: ids a spreadsheet would take for formulas. */
const FORMULA_USERS = ['=SUM(1,2)', '@cmd"x'];

/** Users that fill the matrix past its first page (20 users a page). */
const FILLER_USERS = Array.from({ length: 22 }, (_, i) => `user${String(i + 1).padStart(2, '0')}`);

/** Every user in the fixture's file. */
const ALL_USERS = ['alice', 'bob', 'carol', 'dave', 'eve', ...FORMULA_USERS, ...FILLER_USERS];

/** Runs the real CLI to its end; returns {status, stdout, stderr}. */
function runCli(args, options = {}) {
  const result = spawnSync(BIN, args, { encoding: 'utf8', timeout: 60_000, ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the real CLI and fails loudly unless it exits 0. */
function runCliOk(args) {
  const result = runCli(args);
  if (result.status !== 0) {
    throw new Error(`miniapp-auth ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

/**
 * A host process: the real `miniapp-auth bridge` on a file, over pipes. Its
 * dialogs (consent, privacy) are answered by `answer(event)` → {decision, ...};
 * every event is kept in `events`.
 */
class Bridge {
  constructor(db, { clockStartMs, answer } = {}) {
    const args = ['bridge', '--db', db, ...POLICY_ARGS];
    if (clockStartMs !== undefined) args.push('--clock-start-ms', String(clockStartMs));
    this.answer = answer || (() => ({ decision: 'dismiss' }));
    this.events = [];
    this.nextId = 1;
    this.waiting = new Map();
    this.child = track(spawn(BIN, args, { stdio: ['pipe', 'pipe', 'inherit'] }));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
  }

  onLine(line) {
    const message = JSON.parse(line);
    if (message.event) {
      this.events.push(message);
      if (message.prompt !== undefined && message.event !== 'cancelled') {
        this.send({ prompt: message.prompt, ...this.answer(message) });
      }
      return;
    }
    const pending = this.waiting.get(message.id);
    if (!pending) return;
    this.waiting.delete(message.id);
    if (message.error) pending.reject(new Error(message.error));
    else pending.resolve(message);
  }

  send(object) {
    this.child.stdin.write(JSON.stringify(object) + '\n');
  }

  /** Sends a line with a fresh id; resolves with the whole reply. */
  request(line) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.send({ id, ...line });
    });
  }

  /** A mini app's call; resolves with its result (the §4 object). */
  async call(user, app, api, args = {}, extra = {}) {
    return (await this.request({ user, app, api, args, tap: false, ...extra })).result;
  }

  /** Registers every manifest of the fixture's host. */
  async registerManifests() {
    for (const [app, manifest] of Object.entries(MANIFESTS)) await this.request({ op: 'register', app, manifest });
  }

  /** Ends input (every call answered, the file closed) and checks the bridge exited 0. */
  async close() {
    this.child.stdin.end();
    const code = await this.exited;
    if (code !== 0) throw new Error(`the bridge exited ${code}`);
  }
}

/**
 * Makes the fixture's database in a fresh folder: returns {dir, db, manifestArgs,
 * policyArgs}. `manifestArgs` are the inspector's `--manifest APP=FILE` options
 * for the same manifests the host registered.
 */
async function buildFixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-auth-browser-'));
  const db = path.join(dir, 'auth.db');
  const now = Date.now();
  // The person in front of the dialogs, by (user, app, scope).
  const plan = {
    'carol wxDemo scope.record': { decision: 'allow' },
    'alice wxDemo scope.record': { decision: 'allow' },
    'alice wxDemo scope.camera': { decision: 'deny' },
    'alice wxDemo scope.userLocation': { decision: 'allowUntil', until: now + 30 * DAY_MS },
    'alice wxEvil scope.userLocation': { decision: 'allow' },
    'bob wxDemo scope.camera': { decision: 'dismiss' },
    'bob wxDemo scope.record': { decision: 'allowOnce' },
    'dave wxPrivate scope.record': { decision: 'allow' },
    'dave wxPrivate privacy': { decision: 'agree' },
  };
  const answer = (event) => {
    const key = `${event.user} ${event.app} ${event.event === 'privacy' ? 'privacy' : event.scope}`;
    const reply = plan[key];
    if (!reply) throw new Error(`the fixture did not expect a dialog: ${JSON.stringify(event)}`);
    return reply;
  };

  // 100 days ago (the bridge's manual clock): carol's grant, never used since.
  const host = new Bridge(db, { clockStartMs: now - 100 * DAY_MS, answer });
  await host.registerManifests();
  const authorize = (user, app, scope) => host.call(user, app, 'authorize', { scope });
  const carol = await authorize('carol', 'wxDemo', 'scope.record');
  if (carol.errMsg !== 'authorize:ok') throw new Error(`carol's grant: ${JSON.stringify(carol)}`);
  // Then today (the clock moved to the wall clock): everything else.
  await host.request({ op: 'advanceClock', ms: Date.now() - (now - 100 * DAY_MS) });
  const expected = [
    ['alice', 'wxDemo', 'scope.record', 'authorize:ok'],
    ['alice', 'wxDemo', 'scope.camera', 'authorize:fail auth deny'],
    ['alice', 'wxDemo', 'scope.userLocation', 'authorize:ok'],
    ['alice', 'wxEvil', 'scope.userLocation', 'authorize:ok'],
    ['bob', 'wxDemo', 'scope.camera', 'authorize:fail auth canceled'],
    ['bob', 'wxDemo', 'scope.camera', 'authorize:fail auth canceled'],
    // Allowed once: never stored as a grant; the inspector shows the log's last word.
    ['bob', 'wxDemo', 'scope.record', 'authorize:ok'],
    ['dave', 'wxPrivate', 'scope.record', 'authorize:ok'],
  ];
  for (const [user, app, scope, errMsg] of expected) {
    const result = await authorize(user, app, scope);
    if (result.errMsg !== errMsg) {
      throw new Error(`fixture: ${user} ${app} ${scope} answered ${JSON.stringify(result)}, expected ${errMsg}`);
    }
  }
  await host.close();
  // An administrator's grants from other processes (source=admin); wxPlain has
  // no manifest anywhere.
  const set = (user, app, scope, state) =>
    runCliOk(['grants', 'set', '--db', db, '--user', user, '--app', app, '--scope', scope, '--state', state]);
  set('bob', 'wxDemo', 'scope.writePhotosAlbum', 'granted');
  set('eve', 'wxPlain', 'scope.record', 'granted');
  for (const user of FORMULA_USERS) set(user, 'wxDemo', 'scope.bluetooth', 'granted');
  for (const user of FILLER_USERS) set(user, 'wxDemo', 'scope.bluetooth', 'denied');

  const manifestArgs = [];
  for (const [app, manifest] of Object.entries(MANIFESTS)) {
    const file = path.join(dir, `${app}.manifest.json`);
    fs.writeFileSync(file, JSON.stringify(manifest));
    manifestArgs.push('--manifest', `${app}=${file}`);
  }
  return { dir, db, manifestArgs, policyArgs: POLICY_ARGS.slice() };
}

/** Copies the fixture's file (and its -wal) to another folder: a twin to run a bridge on. */
function copyDatabase(db) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-auth-browser-twin-'));
  const copy = path.join(dir, 'auth.db');
  fs.copyFileSync(db, copy);
  if (fs.existsSync(db + '-wal')) fs.copyFileSync(db + '-wal', copy + '-wal');
  return copy;
}

/** Removes a fixture's (or a twin's) folder. */
function removeFixture(dirOrDb) {
  const dir = dirOrDb.endsWith('.db') ? path.dirname(dirOrDb) : dirOrDb;
  fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = {
  DAY_MS,
  POLICY_ARGS,
  MANIFESTS,
  XSS_NAME,
  XSS_PURPOSE,
  EXPECTED_STATES,
  FORMULA_USERS,
  FILLER_USERS,
  ALL_USERS,
  runCli,
  runCliOk,
  Bridge,
  buildFixture,
  copyDatabase,
  removeFixture,
};
