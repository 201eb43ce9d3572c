// Exceptions thrown by a mini app's success/fail/complete callbacks (#21).
// WeChat's base library catches them, goes on with the call (complete still
// runs) and reports them as the mini app's script errors: to App.onError and
// wx.onError listeners ("小程序发生脚本错误或 API 调用报错时触发") and in the
// console, as "thirdScriptError … at api <name> success callback function".
// The module does the same: the host's onCallbackError hook (its App.onError)
// gets each exception with the API and the callback; without a hook each is
// thrown uncaught from a job of its own (queueMicrotask, else setTimeout), which
// the runtime's global error handler sees; an engine with neither leaves it an
// unhandled rejection of the mini app's own error, which the embedder's
// rejection tracker sees. Under node (V8) and JavaScriptCore's jsc.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const MODULE = path.resolve(__dirname, '..', '..', 'bindings', 'js', 'miniapp-auth.js');
const { createWx } = require(MODULE);

/** The module as a plain injected script in a fresh context with only these globals. */
function loadInto(globals) {
  const context = vm.createContext(globals);
  vm.runInContext(fs.readFileSync(MODULE, 'utf8'), context);
  return context.MiniAppAuth;
}

/** A host that grants everything but scope.camera. */
const invoke = (api, args) => (args.scope === 'scope.camera'
  ? { errMsg: `${api}:fail auth deny`, errno: 103 }
  : { errMsg: `${api}:ok` });

/** Calls fn with callbacks that each throw; resolves with what ran once complete has. */
function throwingCallbacks(fn, scope) {
  return new Promise((resolve) => {
    const ran = [];
    fn({
      scope,
      success() { ran.push('success'); throw new Error('thrown by success'); },
      fail() { ran.push('fail'); throw new Error('thrown by fail'); },
      complete() {
        ran.push('complete');
        resolve(ran);
        throw new Error('thrown by complete');
      },
    });
  });
}

test('a callback\'s exception reaches the host\'s onCallbackError with its API and callback; the call goes on', async () => {
  const reported = [];
  const wx = createWx(invoke, {
    onCallbackError(error, where) {
      reported.push([error instanceof Error ? error.message : error, where]);
    },
  });
  assert.deepEqual(await throwingCallbacks(wx.authorize, 'scope.record'), ['success', 'complete']);
  assert.deepEqual(await throwingCallbacks(wx.authorize, 'scope.camera'), ['fail', 'complete']);
  // A thrown value that is not an Error reaches it as thrown.
  wx.getSetting({ success() { throw 'a string'; } }); // eslint-disable-line no-throw-literal
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(reported, [
    ['thrown by success', { api: 'authorize', callback: 'success' }],
    ['thrown by complete', { api: 'authorize', callback: 'complete' }],
    ['thrown by fail', { api: 'authorize', callback: 'fail' }],
    ['thrown by complete', { api: 'authorize', callback: 'complete' }],
    ['a string', { api: 'getSetting', callback: 'success' }],
  ]);
  assert.throws(() => createWx(invoke, { onCallbackError: 'not a function' }), TypeError);
});

test('without a hook each exception is thrown uncaught from a microtask, else from a timer', async () => {
  for (const engine of ['queueMicrotask', 'setTimeout', 'both']) {
    const jobs = { queueMicrotask: [], setTimeout: [] };
    const globals = {};
    if (engine !== 'setTimeout') globals.queueMicrotask = (job) => jobs.queueMicrotask.push(job);
    if (engine !== 'queueMicrotask') globals.setTimeout = (job) => jobs.setTimeout.push(job);
    const wx = loadInto(globals).createWx(invoke);
    assert.deepEqual(await throwingCallbacks(wx.authorize, 'scope.record'), ['success', 'complete']);
    await new Promise((resolve) => setImmediate(resolve));
    // With both, the microtask: reported before anything else the engine runs.
    const used = engine === 'setTimeout' ? 'setTimeout' : 'queueMicrotask';
    const unused = used === 'setTimeout' ? 'queueMicrotask' : 'setTimeout';
    assert.equal(jobs[used].length, 2, `${engine}: one job per exception`);
    assert.equal(jobs[unused].length, 0, engine);
    assert.throws(jobs[used][0], { message: 'thrown by success' });
    assert.throws(jobs[used][1], { message: 'thrown by complete' });
  }
});

test('a hook that throws: what it threw is reported the engine\'s way', async () => {
  const jobs = [];
  const wx = loadInto({ queueMicrotask: (job) => jobs.push(job) }).createWx(invoke, {
    onCallbackError() { throw new Error('thrown by the hook'); },
  });
  await new Promise((resolve) => wx.authorize({
    scope: 'scope.record',
    success() { throw new Error('thrown by success'); },
    complete: resolve,
  }));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(jobs.length, 1);
  assert.throws(jobs[0], { message: 'thrown by the hook' });
});

// An engine with no timer at all (a bare vm context, in a node process of its
// own so that its unhandled rejections are its own): the mini app's own error
// is the rejection, not a ReferenceError about a missing setTimeout.
test('in an engine without setTimeout or queueMicrotask each exception is an unhandled rejection of its own error', () => {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'bare-engine.js'), MODULE], {
    encoding: 'utf8',
  });
  const lines = out.trim().split('\n');
  assert.equal(lines[0], 'globals: undefined undefined object', out);
  assert.ok(lines.includes('complete ran'), out);
  assert.ok(lines.includes('the next call answered: getSetting:ok'), out);
  assert.deepEqual(lines.filter((line) => /^(unhandled|uncaught)/.test(line)), [
    'unhandled rejection: thrown by success',
    'unhandled rejection: thrown by complete',
  ], out);
});

// JavaScriptCore (iOS runtimes' engine) with its setTimeout taken away
// (tests/js/jsc/callback-errors.js): the hook, and without it unhandled
// rejections the embedder's tracker sees. ./test.sh names jsc in $JSC.
test('JavaScriptCore without setTimeout: the hook, or an unhandled rejection', () => {
  const jsc = process.env.JSC || '/usr/bin/jsc';
  assert.ok(fs.existsSync(jsc), `no jsc at ${jsc}: run ./test.sh js, which installs it`);
  const out = execFileSync(jsc, [path.join(__dirname, 'jsc', 'callback-errors.js'), '--', MODULE], {
    encoding: 'utf8',
  });
  assert.doesNotMatch(out, /not ok/, out);
  assert.match(out, /^jsc: 8 passed$/m, out);
});
