// The JS package as a TypeScript project gets it (issue #22): `npm pack`
// bindings/js into a real tarball, `npm install` it (offline) into fresh
// projects — alone, and beside WeChat's official typings
// (miniprogram-api-typings) — and `tsc --noEmit --strict` real-style mini-app
// code there, under each module resolution a mini-app build uses. The code is
// tests/js/types/: standalone.ts (the package alone: every API, both calling
// conventions, the privacy listener, canIUse), bootstrap-script.ts (the
// runtime's plain-script bootstrap, the global MiniAppAuth), and beside WeChat's
// typings also official-typings.ts (our types identical to WeChat's, our wx
// where WeChat's is expected and back) and mini-app.ts (code written for WeChat).
// ./test.sh js provisions TypeScript ($TS_MODULES) and the typings' registry
// tarball ($API_TYPINGS_TARBALL) in ~/.cache/miniapp-auth (scripts/toolchains.sh).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const PACKAGE = path.resolve(__dirname, '..', '..', 'bindings', 'js');
const SOURCES = path.join(__dirname, 'types');

/**
 * The module settings each resolution needs (a mini-app build's choices);
 * `scripts`: whether a file without import or export is a plain script there
 * (under node16 tsc makes every file a module: moduleDetection "force").
 */
const RESOLUTIONS = [
  { moduleResolution: 'node10', module: 'commonjs', scripts: true },
  { moduleResolution: 'bundler', module: 'esnext', scripts: true },
  { moduleResolution: 'node16', module: 'node16', scripts: false },
];

function tool(variable, relative) {
  const dir = process.env[variable];
  assert.ok(dir, `${variable} is not set: run ./test.sh js, which provisions it`);
  const file = relative ? path.join(dir, relative) : dir;
  assert.ok(fs.existsSync(file), `${file} is missing: run ./test.sh js`);
  return file;
}

function run(command, args, cwd) {
  const done = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (done.error) throw done.error;
  return { status: done.status, output: `${done.stdout}${done.stderr}` };
}

/** npm, offline: everything it installs here is a tarball on disk. */
function npm(args, cwd) {
  const done = run('npm', [...args, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], cwd);
  assert.equal(done.status, 0, `npm ${args.join(' ')} failed:\n${done.output}`);
  return done.output;
}

let scratch;
let tarball;
let packedFiles;

test.before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-auth-package-'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], PACKAGE));
  tarball = path.join(scratch, packed[0].filename);
  packedFiles = packed[0].files.map((file) => file.path).sort();
});

test.after(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

test('the tarball holds the module, its declarations and its README', () => {
  assert.deepEqual(packedFiles, [
    'README.md',
    'miniapp-auth.d.ts',
    'miniapp-auth.js',
    'package.json',
    'wechat-types.d.ts',
  ]);
});

/** A fresh project with the packed package (and `extra` tarballs) installed. */
function project(name, extra) {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', private: true }, null, 2)
  );
  npm(['install', tarball, ...extra], dir);
  return dir;
}

/** What the project's node_modules holds (its installed packages). */
function installed(dir) {
  return fs
    .readdirSync(path.join(dir, 'node_modules'))
    .filter((entry) => !entry.startsWith('.'))
    .sort();
}

/** Compiles the sources in the project with the provisioned tsc; tsc's output on failure. */
function typeCheck(dir, { moduleResolution, module, scripts }, sources, types) {
  sources = sources.filter((source) => scripts || !source.endsWith('-script.ts'));
  for (const source of sources) {
    fs.copyFileSync(path.join(SOURCES, source), path.join(dir, source));
  }
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: 'ES2017',
    lib: ['ES2017'],
    module,
    moduleResolution,
    ...(types ? { types } : {}),
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: sources }, null, 2));
  const tsc = tool('TS_MODULES', path.join('typescript', 'bin', 'tsc'));
  return run(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], dir);
}

// Mini-app projects pin the typings of their time (3.x is common). The package
// reads none, so it must not constrain them: an optional peer's range still
// makes npm refuse the install (ERESOLVE) beside a version outside it. The
// installed typings' contents do not matter to npm: a stub of that version.
test('installs into a project that pins older WeChat typings', () => {
  const stub = path.join(scratch, 'typings-3.12.3');
  fs.mkdirSync(stub);
  fs.writeFileSync(
    path.join(stub, 'package.json'),
    JSON.stringify({ name: 'miniprogram-api-typings', version: '3.12.3', types: 'index.d.ts' })
  );
  fs.writeFileSync(path.join(stub, 'index.d.ts'), 'declare namespace WechatMiniprogram {}\n');
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], stub));
  const dir = path.join(scratch, 'older-typings');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'older-typings', version: '1.0.0', private: true }));
  npm(['install', path.join(scratch, packed[0].filename)], dir);
  npm(['install', tarball], dir);
  assert.deepEqual(installed(dir), ['miniapp-auth', 'miniprogram-api-typings']);
});

for (const resolution of RESOLUTIONS) {
  const label = `moduleResolution ${resolution.moduleResolution}, module ${resolution.module}`;

  test(`installed alone, the package type-checks (${label})`, () => {
    const dir = project(`alone-${resolution.moduleResolution}`, []);
    assert.deepEqual(installed(dir), ['miniapp-auth'], 'the package must install without dependencies');
    const checked = typeCheck(dir, resolution, ['standalone.ts', 'bootstrap-script.ts']);
    assert.equal(checked.status, 0, `tsc refused the package installed alone:\n${checked.output}`);
  });

  test(`beside WeChat's typings, the package agrees with them (${label})`, () => {
    const typings = tool('API_TYPINGS_TARBALL');
    const dir = project(`beside-${resolution.moduleResolution}`, [typings]);
    assert.deepEqual(installed(dir), ['miniapp-auth', 'miniprogram-api-typings']);
    const checked = typeCheck(
      dir,
      resolution,
      ['standalone.ts', 'bootstrap-script.ts', 'official-typings.ts', 'mini-app.ts'],
      ['miniprogram-api-typings']
    );
    assert.equal(checked.status, 0, `tsc refused the package beside WeChat's typings:\n${checked.output}`);
  });
}
