// The browser suite's harness: the real `miniapp-auth inspect` process (its URL
// read from its first stdout line, killed at the end) and Debian's chromium,
// headless, driven by playwright-core (scripts/toolchains.sh provision_browser
// sets CHROMIUM and BROWSER_MODULES). Every request a page makes is recorded, so
// a test can say none left the origin.
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { BIN } = require('../js/bridge-host');
const { track } = require('./children');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BROWSER_MODULES = process.env.BROWSER_MODULES;
if (!BROWSER_MODULES) {
  throw new Error('BROWSER_MODULES is not set: run the suite with ./test.sh browser (it provisions playwright-core and axe-core)');
}
const { chromium } = require(path.join(BROWSER_MODULES, 'playwright-core'));
const AXE_SOURCE = fs.readFileSync(path.join(BROWSER_MODULES, 'axe-core', 'axe.min.js'), 'utf8');

/** Where each view's screenshot is kept (outside the work tree). */
const ARTIFACTS = path.join(
  process.env.MINIAPP_AUTH_ARTIFACTS || path.join(os.homedir(), '.cache', 'miniapp-auth', 'artifacts'),
  'inspector',
);

/** chromium's switches: headless, nothing fetched in the background, no sandbox (root, containers). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A running `miniapp-auth inspect --db DB ARGS...`: `url` is the first line it
 * printed (http://127.0.0.1:PORT/TOKEN/), `origin` its origin; `stderr` keeps
 * its log.
 */
class Inspector {
  static async start(db, args = []) {
    const inspector = new Inspector();
    inspector.child = track(spawn(BIN, ['inspect', '--db', db, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    inspector.stderr = '';
    inspector.child.stderr.on('data', (chunk) => {
      inspector.stderr += chunk;
    });
    inspector.exited = new Promise((resolve) => inspector.child.on('exit', (code, signal) => resolve({ code, signal })));
    const lines = readline.createInterface({ input: inspector.child.stdout });
    const first = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspect printed no URL in 20 s; stderr: ${inspector.stderr}`)), 20_000);
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      inspector.exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`inspect exited ${code} before printing its URL; stderr: ${inspector.stderr}`));
      });
    });
    if (!/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}\/$/.test(first)) {
      await inspector.stop();
      throw new Error(`inspect's first line is not its URL: ${JSON.stringify(first)}`);
    }
    inspector.url = first;
    const parsed = new URL(first);
    inspector.origin = parsed.origin;
    inspector.port = Number(parsed.port);
    inspector.token = parsed.pathname.split('/')[1];
    return inspector;
  }

  /** The absolute URL of a route under the token (`view('users/alice')`). */
  view(route = '') {
    return this.url + route;
  }

  /** Kills the server (SIGTERM, as a person's Ctrl-C would) and waits for it. */
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/**
 * Debian's chromium with a fresh profile; `requests` holds every URL any of its
 * pages asked for, `dialogs` every alert/confirm/prompt a page opened.
 */
class Browser {
  static async launch(options = {}) {
    const browser = new Browser();
    browser.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-auth-chromium-'));
    browser.context = await chromium.launchPersistentContext(browser.profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 900 },
      ...options,
    });
    // A missing hook fails in seconds, not Playwright's default 30.
    browser.context.setDefaultTimeout(5000);
    browser.requests = [];
    browser.dialogs = [];
    const watch = (page) => {
      page.on('request', (request) => browser.requests.push(request.url()));
      page.on('dialog', (dialog) => {
        browser.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        dialog.dismiss().catch(() => {});
      });
    };
    browser.context.pages().forEach(watch);
    browser.context.on('page', watch);
    return browser;
  }

  /** A new tab. */
  async page() {
    const pages = this.context.pages();
    // The persistent context opens with one blank tab: use it first.
    if (pages.length === 1 && pages[0].url() === 'about:blank' && !this.usedFirst) {
      this.usedFirst = true;
      return pages[0];
    }
    return this.context.newPage();
  }

  /** Every recorded request whose origin is not `origin` (data: and about: too count as leaving). */
  requestsOutside(origin) {
    return this.requests.filter((url) => {
      try {
        return new URL(url).origin !== origin;
      } catch {
        return true;
      }
    });
  }

  async close() {
    await this.context.close();
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

/**
 * Runs axe-core on the page (its source evaluated in the page: the CSP forbids
 * inline scripts, and CDP's evaluation is not a page script) and returns the
 * serious and critical violations.
 */
async function seriousViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const run = await axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
    }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Saves a full-page screenshot of a view to the artifacts folder; returns its path. */
async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The sha256 of each of the database's files that hold its data: the file and
 * its -wal. An empty -wal holds nothing (SQLite leaves one behind a reader of a
 * WAL file whose last writer removed it), so it counts as none.
 */
function databaseDigests(db) {
  const digests = {};
  for (const file of [db, db + '-wal']) {
    if (fs.existsSync(file) && (file === db || fs.statSync(file).size > 0)) {
      digests[path.basename(file)] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    }
  }
  return digests;
}

module.exports = {
  ARTIFACTS,
  CHROMIUM,
  CHROMIUM_ARGS,
  Inspector,
  Browser,
  seriousViolations,
  screenshot,
  databaseDigests,
};
