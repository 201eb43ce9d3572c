// Run by JavaScriptCore's `jsc` shell (the engine of iOS mini-app runtimes):
// loads bindings/js/miniapp-auth.js as a plain injected script and replays a
// transcript that tests/js/miniapp-auth.test.js recorded moments before from the
// real `miniapp-auth bridge` — each call must be the one recorded, and gets the
// real result back. Prints "ok <name>" per check and "jsc: <n> passed"; exits 1
// on the first failure.
// Usage: jsc tests/js/jsc/replay.js -- <module path> <transcript path>
'use strict';

var modulePath = arguments[0];
var transcript = JSON.parse(readFile(arguments[1]));
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

var next = 0;
var tapped = false;
var invoke = function (api, args) {
  var entry = transcript[next++];
  if (!entry || entry.api !== api || !same(entry.args, args) || entry.tap !== tapped) {
    fail('call ' + next + ' is ' + api + JSON.stringify(args) + ', recorded ' + JSON.stringify(entry));
  }
  // The host's bridge may answer with JSON text.
  return Promise.resolve(JSON.stringify(entry.result));
};
// The runtime's own channel (the agree button's tap): answered here, not
// recorded in the transcript (the page's calls are).
var runtimeCalls = [];
var runtime = MiniAppAuth.createRuntime({
  invoke: invoke,
  runtimeInvoke: function (api, args) {
    runtimeCalls.push(api + ':' + args.buttonId);
    return Promise.resolve({ errMsg: api + ':ok' });
  }
});
var wx = runtime.wx;

function withCallbacks(fn, options) {
  return new Promise(function (resolve) {
    var ran = [];
    var opts = {};
    for (var k in options) opts[k] = options[k];
    opts.success = function (res) { ran.push('success'); };
    opts.fail = function (res) { ran.push('fail'); };
    opts.complete = function (res) { ran.push('complete'); resolve({ ran: ran, result: res }); };
    var returned = fn(opts);
    if (returned !== undefined) fail('a call with callbacks returned something');
  });
}

async function main() {
  var setting = await wx.getSetting();
  check(setting.authSetting['scope.userInfo'] === true, 'getSetting resolves with the real result');

  var ok = await withCallbacks(wx.authorize, { scope: 'scope.record' });
  check(same(ok.ran, ['success', 'complete']) && ok.result.errMsg === 'authorize:ok',
    'success then complete on ok');
  var denied = await withCallbacks(wx.authorize, { scope: 'scope.camera' });
  check(same(denied.ran, ['fail', 'complete']) && denied.result.errno === 103,
    'fail then complete on a denial');

  tapped = true;
  var subscribed = await wx.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  check(subscribed.TMPL_A === 'accept', 'requestSubscribeMessage resolves per template');
  tapped = false;
  var rejected = null;
  try {
    await wx.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  } catch (failure) {
    rejected = failure;
  }
  check(rejected !== null && rejected.errno === 1105, 'a failure rejects the Promise');

  var withSubs = await wx.getSetting({ withSubscriptions: true });
  check(withSubs.subscriptionsSetting.itemSettings.TMPL_A === 'accept', 'kept choices in getSetting');

  check(wx.canIUse('requestSubscribeMessage') && wx.canIUse('getSetting.object.withSubscriptions') &&
    !wx.canIUse('getSetting.object.nonsense') && !wx.canIUse('navigateTo'), 'canIUse');

  var shownTo = null;
  var agreeLater = null;
  wx.onNeedPrivacyAuthorization(function (resolve, eventInfo) {
    shownTo = eventInfo.referrer;
    resolve({ event: 'exposureAuthorization' });
    resolve({ event: 'agree', buttonId: 'agree-btn' }); // no tap yet: no answer
    agreeLater = resolve;
  });
  var answeredEarly = false;
  var answered = runtime.dispatchNeedPrivacyAuthorization({ referrer: 'authorize' });
  answered.then(function () { answeredEarly = true; });
  var tap = await runtime.agreeButtonTapped('agree-btn');
  check(!answeredEarly && tap.errMsg === 'agreePrivacyAuthorization:ok' &&
    same(runtimeCalls, ['agreePrivacyAuthorization:agree-btn']),
    'an agree counts only after the runtime reports the tap, on its own channel');
  agreeLater({ event: 'agree', buttonId: 'agree-btn' });
  var answer = await answered;
  check(shownTo === 'authorize' && answer.event === 'agree' && answer.buttonId === 'agree-btn',
    'the mini app\'s own privacy popup answers through its listener');

  var late = null;
  wx.onNeedPrivacyAuthorization(function (resolve) { late = resolve; });
  var pending = MiniAppAuth.dispatchNeedPrivacyAuthorization(wx, { referrer: 'authorize' });
  MiniAppAuth.cancelNeedPrivacyAuthorization(wx);
  late({ event: 'agree', buttonId: 'agree-btn' });
  check(same(await pending, { event: 'cancelled' }), 'the host ends an event its listener never answered');

  check(next === transcript.length, 'every recorded call was made');
  print('jsc: ' + passed + ' passed');
}

main().then(null, function (error) { fail('threw ' + error); });
