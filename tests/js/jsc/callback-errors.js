// Run by JavaScriptCore's `jsc` shell with its setTimeout taken away (JSC has
// no queueMicrotask of its own either): the engine of iOS runtimes embedded
// without a host's timers, as a bare JSContext is. Loads
// bindings/js/miniapp-auth.js as a plain injected script and makes calls whose
// success/fail/complete callbacks throw: with the host's onCallbackError hook
// each exception reaches it, naming the API and the callback; without one each
// surfaces as an unhandled rejection of the mini app's own error — what the
// shell's setUnhandledRejectionCallback sees, as JSC's embedders see it through
// JSGlobalContextSetUnhandledRejectionCallback. Either way the call carries on.
// Prints "ok <name>" per check and "jsc: <n> passed"; stops at the first
// failure with "not ok <name>" (this jsc's quit() exits 0 whatever it is given:
// the test reads the output).
// Usage: jsc tests/js/jsc/callback-errors.js -- <module path>
'use strict';

var modulePath = arguments[0];
// The test's own timer, kept before the engine loses it: only to wait a turn
// for the engine's rejection reports, never seen by the module.
var later = setTimeout;
delete globalThis.setTimeout;
var rejections = [];
setUnhandledRejectionCallback(function (promise) {
  promise.then(null, function (reason) { rejections.push(reason); });
});
load(modulePath);

var passed = 0;
function fail(message) {
  print('not ok ' + message);
  quit(1);
}
function check(condition, name) {
  if (!condition) fail(name);
  passed += 1;
  print('ok ' + name);
}
function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}
function aTurn() {
  return new Promise(function (resolve) { later(resolve, 0); });
}
function messages(errors) {
  return errors.map(function (e) { return e instanceof Error ? e.message : String(e); });
}

var invoke = function (api, args) {
  return args.scope === 'scope.camera'
    ? { errMsg: api + ':fail auth deny', errno: 103 }
    : { errMsg: api + ':ok' };
};

/** Calls fn with callbacks that each throw; resolves once complete has run. */
function throwingCallbacks(fn, scope) {
  return new Promise(function (resolve) {
    var ran = [];
    fn({
      scope: scope,
      success: function () { ran.push('success'); throw new Error('thrown by success'); },
      fail: function () { ran.push('fail'); throw new Error('thrown by fail'); },
      complete: function () {
        ran.push('complete');
        resolve(ran);
        throw new Error('thrown by complete');
      }
    });
  });
}

async function main() {
  check(typeof setTimeout === 'undefined' && typeof queueMicrotask === 'undefined',
    'the engine has neither setTimeout nor queueMicrotask');

  var reported = [];
  var hooked = MiniAppAuth.createWx(invoke, {
    onCallbackError: function (error, where) {
      reported.push([error.message, where.api, where.callback]);
    }
  });
  var ran = await throwingCallbacks(hooked.authorize, 'scope.record');
  check(same(ran, ['success', 'complete']), 'complete runs after success threw');
  ran = await throwingCallbacks(hooked.authorize, 'scope.camera');
  check(same(ran, ['fail', 'complete']), 'complete runs after fail threw');
  await aTurn();
  check(same(reported, [
    ['thrown by success', 'authorize', 'success'],
    ['thrown by complete', 'authorize', 'complete'],
    ['thrown by fail', 'authorize', 'fail'],
    ['thrown by complete', 'authorize', 'complete']
  ]), 'the hook gets each exception with its API and callback: ' + JSON.stringify(reported));
  check(rejections.length === 0, 'with the hook nothing else reports them: ' + messages(rejections));

  var bare = MiniAppAuth.createWx(invoke);
  ran = await throwingCallbacks(bare.authorize, 'scope.record');
  check(same(ran, ['success', 'complete']), 'without the hook complete still runs');
  var next = await bare.getSetting();
  check(next.errMsg === 'getSetting:ok', 'and the next call answers');
  await aTurn();
  check(same(messages(rejections), ['thrown by success', 'thrown by complete']),
    'without the hook each surfaces as an unhandled rejection of its own error: ' +
    JSON.stringify(messages(rejections)));

  print('jsc: ' + passed + ' passed');
}

main().then(null, function (error) { fail('threw ' + error); });
