// The mini-app JS module (bindings/js/miniapp-auth.js) wired to the real core
// through `miniapp-auth bridge`: WeChat's success/fail/complete convention, the
// Promise style, and the seed page's sample code run unchanged.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const MODULE = path.resolve(__dirname, '..', '..', 'bindings', 'js', 'miniapp-auth.js');
const { createWx, APIS } = require(MODULE);
const { BridgeHost } = require('./bridge-host');

/** Calls `wx[api](options)` with all three callbacks and reports which ran, in order. */
function withCallbacks(fn, options = {}) {
  return new Promise((resolve) => {
    const ran = [];
    let result;
    const returned = fn({
      ...options,
      success(res) { ran.push('success'); result = res; },
      fail(res) { ran.push('fail'); result = res; },
      complete(res) { ran.push('complete'); assert.equal(res, result); resolve({ ran, result, returned }); },
    });
    assert.equal(returned, undefined, 'with callbacks a call returns nothing');
  });
}

test('success then complete on ok, fail then complete on failure', async () => {
  const host = new BridgeHost(['allow', 'deny']);
  const wx = createWx(host.invoker('u1', 'wxA'));
  const ok = await withCallbacks(wx.authorize, { scope: 'scope.record' });
  assert.deepEqual(ok.ran, ['success', 'complete']);
  assert.deepEqual(ok.result, { errMsg: 'authorize:ok' });
  const denied = await withCallbacks(wx.authorize, { scope: 'scope.camera' });
  assert.deepEqual(denied.ran, ['fail', 'complete']);
  assert.deepEqual(denied.result, { errMsg: 'authorize:fail auth deny', errno: 103 });
  // Sticky: no second dialog.
  const again = await withCallbacks(wx.authorize, { scope: 'scope.camera' });
  assert.deepEqual(again.ran, ['fail', 'complete']);
  assert.equal(host.events.filter((e) => e.event === 'consent').length, 2);
  assert.equal(await host.close(), 0);
});

test('without callbacks a call returns a Promise: resolve on ok, reject on failure', async () => {
  const host = new BridgeHost(['dismiss']);
  const wx = createWx(host.invoker('u1', 'wxA'));
  const setting = await wx.getSetting();
  assert.deepEqual(setting, {
    errMsg: 'getSetting:ok',
    authSetting: {
      'scope.address': true,
      'scope.invoice': true,
      'scope.invoiceTitle': true,
      'scope.userInfo': true,
    },
  });
  await assert.rejects(wx.authorize({ scope: 'scope.bluetooth' }), {
    errMsg: 'authorize:fail auth canceled',
    errno: 1101,
  });
  await assert.rejects(wx.authorize({ scope: 'scope.location' }), {
    errMsg: 'authorize:fail invalid scope',
  });
  await assert.rejects(wx.authorize({}), {
    errMsg: 'authorize:fail parameter error: parameter.scope should be String instead of Undefined;',
  });
  assert.equal(await host.close(), 0);
});

test("the seed page's sample code runs unchanged", async () => {
  const seed = `
  wx.getSetting({
    success(res) {
      if (!res.authSetting['scope.location']) {
      wx.authorize({
        scope: 'scope.location',
        success() {
          wx.startRecord()
        }
      })
    }
  }
})`;
  for (const scope of ['scope.location', 'scope.record']) {
    const host = new BridgeHost(['allow']);
    const invoke = host.invoker('u1', 'wxA');
    let started = 0;
    const wx = Object.assign(createWx(invoke), {
      // The host's own recorder API, behind the authorization gate.
      startRecord() {
        invoke('startRecord', {}).then((r) => { if (r.errMsg === 'startRecord:ok') started++; });
      },
    });
    vm.runInNewContext(seed.replaceAll('scope.location', scope), { wx });
    // Let the chain of bridge round trips finish.
    for (let i = 0; i < 200 && host.calls.length < (scope === 'scope.record' ? 3 : 2); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    if (scope === 'scope.location') {
      // Not a WeChat scope: authorize fails "invalid scope", no dialog, no recording.
      assert.deepEqual(host.calls.map((c) => c.api), ['getSetting', 'authorize']);
      assert.equal(host.events.length, 0);
      assert.equal(started, 0);
    } else {
      assert.deepEqual(host.calls.map((c) => c.api), ['getSetting', 'authorize', 'startRecord']);
      assert.equal(host.events.length, 1);
      assert.equal(started, 1);
    }
    assert.equal(await host.close(), 0);
  }
});

test('privacy APIs and openSetting through the module', async () => {
  const host = new BridgeHost(['agree']);
  await host.register('wxA', {
    name: 'Demo',
    privacy: { contractName: 'Demo guide', version: '1', scopes: ['scope.record'] },
  });
  let tapped = false;
  const wx = createWx(host.invoker('u1', 'wxA', { tap: () => tapped }));
  assert.deepEqual(await wx.getPrivacySetting(), {
    errMsg: 'getPrivacySetting:ok',
    needAuthorization: true,
    privacyContractName: 'Demo guide',
  });
  assert.deepEqual(await wx.requirePrivacyAuthorize(), { errMsg: 'requirePrivacyAuthorize:ok' });
  assert.deepEqual(await wx.openPrivacyContract(), { errMsg: 'openPrivacyContract:ok' });
  assert.ok(host.events.some((e) => e.event === 'privacyContract'));
  await assert.rejects(wx.openSetting(), {
    errMsg: 'openSetting:fail can only be invoked by user TAP gesture.',
  });
  tapped = true;
  const opened = await wx.openSetting();
  assert.equal(opened.errMsg, 'openSetting:ok');
  await assert.rejects(wx.authorizeForMiniProgram({ scope: 'scope.record' }), {
    errMsg: 'authorizeForMiniProgram:fail can only be invoked by plugin',
  });
  assert.equal(await host.close(), 0);
});

test('identity cannot be smuggled through args', async () => {
  const host = new BridgeHost(['allow']);
  const asA = createWx(host.invoker('u1', 'wxA'));
  const asB = createWx(host.invoker('u1', 'wxB'));
  await asA.authorize({ scope: 'scope.record', app: 'wxB', user: 'u2' });
  const b = await asB.getSetting();
  assert.equal(b.authSetting['scope.record'], undefined);
  assert.equal(await host.close(), 0);
});

test('works as a plain injected script, and with results as JSON text', async () => {
  const context = { setTimeout };
  vm.runInNewContext(fs.readFileSync(MODULE, 'utf8'), context);
  assert.equal(typeof context.MiniAppAuth.createWx, 'function');
  const host = new BridgeHost();
  const wx = context.MiniAppAuth.createWx(host.invoker('u1', 'wxA', { asText: true }));
  const result = await wx.getSetting();
  assert.equal(result.errMsg, 'getSetting:ok');
  assert.equal(await host.close(), 0);
});

test('host transport failures and bad results become fail results', async () => {
  const broken = createWx(() => Promise.reject(new Error('bridge is gone')));
  await assert.rejects(broken.getSetting(), { errMsg: 'getSetting:fail bridge is gone' });
  const garbage = createWx(() => 'not json');
  await assert.rejects(garbage.authorize({ scope: 'scope.record' }), {
    errMsg: 'authorize:fail invalid result from the host',
  });
  const throwing = createWx(() => { throw new Error('boom'); });
  const r = await withCallbacks(throwing.openSetting);
  assert.deepEqual(r.ran, ['fail', 'complete']);
  assert.throws(() => createWx(), TypeError);
  assert.deepEqual(APIS, [
    'authorize', 'getSetting', 'openSetting', 'authorizeForMiniProgram',
    'getPrivacySetting', 'requirePrivacyAuthorize', 'openPrivacyContract',
    'requestSubscribeMessage',
  ]);
});

test('callbacks receive only what the mini app passed, minus the functions', async () => {
  const seen = [];
  const wx = createWx((api, args) => { seen.push([api, args]); return { errMsg: `${api}:ok` }; });
  await new Promise((resolve) => wx.authorize({ scope: 'scope.camera', success: resolve }));
  assert.deepEqual(seen, [['authorize', { scope: 'scope.camera' }]]);
});

// The mini app's own privacy popup, as WeChat's sample for
// wx.onNeedPrivacyAuthorization writes it (developers.weixin.qq.com
// …/api/open-api/privacy/wx.onNeedPrivacyAuthorization.html): the listener
// keeps `resolve`, shows its popup, and the agree button's handler resolves
// `{buttonId, event: 'agree'}` after the runtime reported the tap.
test('the mini app\'s own privacy popup answers through onNeedPrivacyAuthorization', async () => {
  const { createRuntime } = require(MODULE);
  const host = new BridgeHost(['allow']);
  await host.register('wxA', {
    name: 'Demo',
    privacy: { contractName: 'Demo guide', version: '1', scopes: ['scope.record', 'scope.camera'] },
  });
  const runtime = host.mountRuntime(createRuntime, 'u1', 'wxA');
  const wx = runtime.wx;

  // The page (WeChat's sample, nearly verbatim).
  const page = {
    data: { showPrivacy: false },
    setData(patch) { Object.assign(this.data, patch); },
    onLoad() {
      wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
        this.referrer = eventInfo.referrer;
        this.setData({ showPrivacy: true });
        this.resolvePrivacyAuthorization = resolve;
        resolve({ event: 'exposureAuthorization' }); // shown: not an answer yet
      });
    },
    handleAgreePrivacyAuthorization() {
      this.setData({ showPrivacy: false });
      this.resolvePrivacyAuthorization({ buttonId: 'agree-btn', event: 'agree' });
    },
  };
  page.onLoad();

  const pending = wx.authorize({ scope: 'scope.record' });
  while (!page.data.showPrivacy) await new Promise((r) => setTimeout(r, 5));
  assert.equal(page.referrer, 'authorize');
  // The user taps the agree button: the runtime records it, then the page resolves.
  assert.deepEqual(await runtime.agreeButtonTapped('agree-btn'), {
    errMsg: 'agreePrivacyAuthorization:ok',
  });
  page.handleAgreePrivacyAuthorization();
  assert.deepEqual(await pending, { errMsg: 'authorize:ok' });
  const privacyEvents = host.events.filter((e) => e.event === 'privacy');
  assert.equal(privacyEvents.length, 1, 'no second, host-side popup');
  assert.deepEqual((await wx.getPrivacySetting()).needAuthorization, false);
  assert.equal(await host.close(), 0);
});

test('a disagreement in the mini app\'s popup fails 104; without a listener the host asks', async () => {
  const { dispatchNeedPrivacyAuthorization } = require(MODULE);
  const host = new BridgeHost(['agree', 'allow']);
  await host.register('wxA', {
    privacy: { contractName: 'Demo guide', version: '1', scopes: ['scope.record'] },
  });
  const wx = createWx(host.invoker('u1', 'wxA'));
  const plain = createWx(host.invoker('u2', 'wxA'));
  const dispatched = [];
  host.privacyHandler = (event) => {
    const target = event.user === 'u1' ? wx : plain;
    const answer = dispatchNeedPrivacyAuthorization(target, { referrer: event.referrer });
    dispatched.push(answer);
    return answer;
  };
  wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'disagree' }));
  await assert.rejects(wx.authorize({ scope: 'scope.record' }), {
    errMsg: 'authorize:fail privacy permission is not authorized',
    errno: 104,
  });
  // u2's mini app registered no listener: dispatch says null, the host's popup agrees.
  assert.deepEqual(await plain.authorize({ scope: 'scope.record' }), { errMsg: 'authorize:ok' });
  assert.equal(await dispatched[1], null);
  assert.throws(() => wx.onNeedPrivacyAuthorization('not a function'), TypeError);
  assert.throws(() => dispatchNeedPrivacyAuthorization({}, {}), TypeError);
  assert.equal(await host.close(), 0);
});

// A listener that never calls resolve (#21). WeChat's docs say only that the
// privacy API stays pending until it does ("触发该事件的隐私接口或组件会处于
// pending 状态，等待用户授权后才会继续执行"; "如果注册了
// wx.onNeedPrivacyAuthorization 监听，则一定要调用 resolve 接口"). Here the
// mini app's popup is the privacy dialog, bounded like every dialog by the
// core's dialog_timeout_ms (10 min by default, 300 ms here): the call fails
// WeChat's "time out" (errno 5), nothing is recorded — no agreement, and no
// disagreement either, since the user refused nothing (no refusal gap: the
// next call asks at once) — and the host, told the prompt is over (the bridge's
// `cancelled`), ends the mini app's event with cancelNeedPrivacyAuthorization.
test('a privacy listener that never answers: the call times out, nothing is recorded, the event ends', { timeout: 60000 }, async () => {
  const { execFileSync } = require('node:child_process');
  const { createRuntime } = require(MODULE);
  const { BIN } = require('./bridge-host');
  const host = new BridgeHost([], { bridgeArgs: ['--dialog-timeout-ms', '300'] });
  await host.register('wxA', {
    privacy: { contractName: 'Demo guide', version: '1', scopes: ['scope.record'] },
  });
  const runtime = host.mountRuntime(createRuntime, 'u1', 'wxA');
  const wx = runtime.wx;
  const dispatched = host.dispatched;
  // The page shows its popup and keeps resolve, but nothing ever calls it.
  const resolves = [];
  wx.onNeedPrivacyAuthorization((resolve) => {
    resolves.push(resolve);
    resolve({ event: 'exposureAuthorization' });
  });

  await assert.rejects(wx.authorize({ scope: 'scope.record' }), {
    errMsg: 'authorize:fail dialog timed out',
    errno: 5,
  });
  assert.deepEqual(await dispatched[0], { event: 'cancelled' }, 'the mini app\'s event ended');
  resolves[0]({ event: 'disagree' }); // too late: answers nothing
  assert.equal((await wx.getPrivacySetting()).needAuthorization, true);
  assert.equal((await wx.getSetting()).authSetting['scope.record'], undefined);

  // No refusal gap: the next gated call asks at once, and this time the user agrees.
  const again = wx.requirePrivacyAuthorize();
  while (resolves.length < 2) await new Promise((r) => setTimeout(r, 5));
  assert.equal((await runtime.agreeButtonTapped('agree-btn')).errMsg, 'agreePrivacyAuthorization:ok');
  resolves[1]({ event: 'agree', buttonId: 'agree-btn' });
  assert.deepEqual(await again, { errMsg: 'requirePrivacyAuthorize:ok' });
  assert.deepEqual(await dispatched[1], { event: 'agree', buttonId: 'agree-btn' });
  assert.equal(host.events.filter((e) => e.event === 'cancelled').length, 1);

  // The consent log: the agreement, and nothing for the call that timed out.
  const receipts = JSON.parse(execFileSync(BIN, ['audit', 'export', '--db', host.db, '--user', 'u1'], {
    encoding: 'utf8',
  })).receipts;
  assert.deepEqual(receipts.map((r) => [r.decision, r.source]), [['agreed', 'privacy-button']]);
  assert.equal(await host.close(), 0);
});

// The tap rule (#22, SPEC §7): "为确保用户有同意的操作，基础库会检查对应的同意按钮是否被
// 点击过" (wx.onNeedPrivacyAuthorization, developers.weixin.qq.com
// …/api/open-api/privacy/wx.onNeedPrivacyAuthorization.html). A listener's
// `agree` counts only for a button the runtime reported tapped during this
// event. WeChat does not document what the pending API then gets; here the
// `agree` answers nothing — the event stays pending, as if resolve had not been
// called, until the person taps and the page resolves again, disagrees, or
// the host ends the event (its dialog bound: errno 5).
test('an agree without a tap on its button is no agreement', { timeout: 60000 }, async () => {
  const { createRuntime } = require(MODULE);
  const host = new BridgeHost(['allow', 'allow'], { bridgeArgs: ['--dialog-timeout-ms', '400'] });
  await host.register('wxA', {
    privacy: { contractName: 'Demo guide', version: '1', scopes: ['scope.record'] },
  });
  const runtime = host.mountRuntime(createRuntime, 'u1', 'wxA');
  const wx = runtime.wx;
  const dispatched = host.dispatched;
  // The listener claims the agree button at once: nobody tapped it.
  wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'agree', buttonId: 'agree-btn' }));
  await assert.rejects(wx.authorize({ scope: 'scope.record' }), {
    errMsg: 'authorize:fail dialog timed out',
    errno: 5,
  });
  assert.deepEqual(await dispatched[0], { event: 'cancelled' }, 'the agree answered nothing');
  assert.equal((await wx.getPrivacySetting()).needAuthorization, true);
  assert.equal(host.events.filter((e) => e.event === 'consent').length, 0, 'no consent dialog');
  assert.equal((await wx.getSetting()).authSetting['scope.record'], undefined);

  // A tap counts for the event it happened in, not for a later one.
  const resolves = [];
  wx.onNeedPrivacyAuthorization((resolve) => resolves.push(resolve));
  const first = wx.authorize({ scope: 'scope.record' });
  while (resolves.length < 1) await new Promise((r) => setTimeout(r, 5));
  assert.equal((await runtime.agreeButtonTapped('agree-btn')).errMsg, 'agreePrivacyAuthorization:ok');
  resolves[0]({ event: 'agree', buttonId: 'agree-btn' });
  assert.deepEqual(await first, { errMsg: 'authorize:ok' });
  // Version 2 declares the camera too: a new event, and no new tap.
  await host.register('wxA', {
    privacy: { contractName: 'Demo guide', version: '2', scopes: ['scope.record', 'scope.camera'] },
  });
  const second = wx.authorize({ scope: 'scope.camera' });
  while (resolves.length < 2) await new Promise((r) => setTimeout(r, 5));
  resolves[1]({ event: 'agree', buttonId: 'agree-btn' });
  await assert.rejects(second, { errMsg: 'authorize:fail dialog timed out', errno: 5 });
  assert.equal((await wx.getSetting()).authSetting['scope.camera'], undefined);
  assert.equal(await host.close(), 0);
});

// The mini app's own code cannot report the tap: its invoke is the page's
// channel, which refuses the runtime's agreePrivacyAuthorization (100), and the
// module keeps the report on the runtime object the host does not hand out.
test('the mini app cannot claim a tap on its agree button', async () => {
  const module = require(MODULE);
  const host = new BridgeHost();
  await host.register('wxA', {
    privacy: { contractName: 'Demo guide', version: '1', scopes: ['scope.record'] },
  });
  const pageInvoke = host.invoker('u1', 'wxA', { tap: () => true });
  const runtime = module.createRuntime({ invoke: pageInvoke, runtimeInvoke: host.runtimeInvoker('u1', 'wxA') });
  assert.deepEqual(await pageInvoke('agreePrivacyAuthorization', { buttonId: 'agree-btn' }), {
    errMsg: 'agreePrivacyAuthorization:fail api is not supported',
    errno: 100,
  });
  assert.equal(module.agreePrivacyAuthorization, undefined, 'nothing reachable from wx reports a tap');
  assert.equal(runtime.wx.agreePrivacyAuthorization, undefined);
  assert.equal(runtime.wx.canIUse('agreePrivacyAuthorization'), false);
  assert.equal((await runtime.wx.getPrivacySetting()).needAuthorization, true);
  assert.throws(() => module.createRuntime({ invoke: pageInvoke }), TypeError, 'the runtime channel is required');
  assert.equal(await host.close(), 0);
});

// Plugins (#22, SPEC §4): WeChat offers them no wx.authorize ("在插件中使用：
// 不支持") and no subscription messages ("插件暂无订阅消息"), through the real bridge.
test('a plugin\'s wx has no authorize and no subscription state', async () => {
  const host = new BridgeHost(['allow']);
  host.subscribeAnswer = (tmplIds) => ({
    subscriptions: Object.fromEntries(tmplIds.map((id) => [id, 'accept'])),
    keep: true,
  });
  const app = createWx(host.invoker('u1', 'wxA', { tap: () => true }));
  const plugin = createWx(host.invoker('u1', 'wxA', { plugin: 'wxPlugin1', tap: () => true }));
  await app.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  await assert.rejects(plugin.authorize({ scope: 'scope.record' }), {
    errMsg: 'authorize:fail api is not supported',
    errno: 100,
  });
  await assert.rejects(plugin.requestSubscribeMessage({ tmplIds: ['TMPL_A'] }), { errno: 100 });
  const fromPlugin = await plugin.getSetting({ withSubscriptions: true });
  assert.equal(fromPlugin.subscriptionsSetting, undefined);
  assert.equal(fromPlugin.authSetting['scope.record'], undefined, 'nothing granted to the plugin');
  assert.equal(fromPlugin.miniprogramAuthSetting.subscriptionsSetting, undefined);
  // The plugin's way: authorizeForMiniProgram, granting the mini program.
  assert.deepEqual(await plugin.authorizeForMiniProgram({ scope: 'scope.record' }), {
    errMsg: 'authorizeForMiniProgram:ok',
  });
  const fromApp = await app.getSetting({ withSubscriptions: true });
  assert.equal(fromApp.authSetting['scope.record'], true);
  assert.deepEqual(fromApp.subscriptionsSetting.itemSettings, { TMPL_A: 'accept' });
  assert.equal(await host.close(), 0);
});

test('cancelNeedPrivacyAuthorization ends every pending event of its wx, and only those', async () => {
  const { dispatchNeedPrivacyAuthorization, cancelNeedPrivacyAuthorization } = require(MODULE);
  const wx = createWx(() => ({ errMsg: 'requirePrivacyAuthorize:ok' }));
  const other = createWx(() => ({ errMsg: 'requirePrivacyAuthorize:ok' }));
  const resolves = [];
  wx.onNeedPrivacyAuthorization((resolve) => resolves.push(resolve));
  other.onNeedPrivacyAuthorization((resolve) => resolves.push(resolve));
  cancelNeedPrivacyAuthorization(wx); // nothing pending: nothing to end
  const first = dispatchNeedPrivacyAuthorization(wx, { referrer: 'authorize' });
  const second = dispatchNeedPrivacyAuthorization(wx, { referrer: 'getLocation' });
  const others = dispatchNeedPrivacyAuthorization(other, { referrer: 'authorize' });
  cancelNeedPrivacyAuthorization(wx);
  assert.deepEqual(await first, { event: 'cancelled' });
  assert.deepEqual(await second, { event: 'cancelled' });
  resolves[0]({ event: 'agree', buttonId: 'agree-btn' }); // ended: ignored
  resolves[2]({ event: 'disagree' });
  assert.deepEqual(await others, { event: 'disagree' });
  // An event answered before the cancel keeps its answer; a new one is dispatched afresh.
  const third = dispatchNeedPrivacyAuthorization(wx, { referrer: 'authorize' });
  resolves[3]({ event: 'disagree' });
  cancelNeedPrivacyAuthorization(wx);
  assert.deepEqual(await third, { event: 'disagree' });
  assert.throws(() => cancelNeedPrivacyAuthorization({}), TypeError);
});

// wx.requestSubscribeMessage as WeChat's docs call it: from a tap, the result
// names each template; failures carry errCode (and reject the Promise).
test('requestSubscribeMessage through the module: per-template answers, kept choices, errCodes', async () => {
  const host = new BridgeHost();
  host.subscribeAnswer = (tmplIds) => ({
    subscriptions: Object.fromEntries(tmplIds.map((id) => [id, id === 'TMPL_B' ? 'reject' : 'accept'])),
    keep: true,
  });
  let tapped = true;
  const wx = createWx(host.invoker('u1', 'wxA', { tap: () => tapped }));
  const result = await withCallbacks(wx.requestSubscribeMessage, { tmplIds: ['TMPL_A', 'TMPL_B'] });
  assert.deepEqual(result.ran, ['success', 'complete']);
  assert.deepEqual(result.result, {
    errMsg: 'requestSubscribeMessage:ok', TMPL_A: 'accept', TMPL_B: 'reject',
  });
  // Kept: no second dialog.
  assert.deepEqual(await wx.requestSubscribeMessage({ tmplIds: ['TMPL_B'] }), {
    errMsg: 'requestSubscribeMessage:ok', TMPL_B: 'reject',
  });
  assert.equal(host.events.filter((e) => e.event === 'subscribe').length, 1);
  assert.deepEqual((await wx.getSetting({ withSubscriptions: true })).subscriptionsSetting, {
    mainSwitch: true, itemSettings: { TMPL_A: 'accept', TMPL_B: 'reject' },
  });
  await assert.rejects(wx.requestSubscribeMessage({ tmplIds: [] }), { errCode: 10001 });
  tapped = false;
  await assert.rejects(wx.requestSubscribeMessage({ tmplIds: ['TMPL_A'] }), {
    errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.',
  });
  assert.equal(await host.close(), 0);
});

// SPEC §4: the host (whose server knows its templates) fails the call with one
// of WeChat's other codes (wx.requestSubscribeMessage.md, "错误码"): `fail` gets
// WeChat's result with `errCode`, as the official typings'
// RequestSubscribeMessageFailCallbackResult has it; nothing is kept.
test('requestSubscribeMessage failed by the host: fail gets errMsg and errCode, nothing is kept', async () => {
  // A bridge that refused the answer would leave the prompt open: time it out.
  const host = new BridgeHost([], { bridgeArgs: ['--dialog-timeout-ms', '5000'] });
  host.subscribeAnswer = () => ({ errCode: 20001 });
  const wx = createWx(host.invoker('u1', 'wxA', { tap: () => true }));
  const failed = await withCallbacks(wx.requestSubscribeMessage, { tmplIds: ['TMPL_A'] });
  assert.deepEqual(failed.ran, ['fail', 'complete']);
  assert.deepEqual(failed.result, {
    errMsg: 'requestSubscribeMessage:fail No template data return, verify the template id exist',
    errCode: 20001,
    errno: 20001,
  });
  host.subscribeAnswer = () => ({ errCode: 20002 });
  await assert.rejects(wx.requestSubscribeMessage({ tmplIds: ['TMPL_A', 'TMPL_B'] }), {
    errMsg: 'requestSubscribeMessage:fail Templates type must be same',
    errCode: 20002,
  });
  assert.deepEqual((await wx.getSetting({ withSubscriptions: true })).subscriptionsSetting, {
    mainSwitch: true, itemSettings: {},
  });
  // Not the user's decision: the next call asks again.
  host.subscribeAnswer = (tmplIds) => ({ subscriptions: { [tmplIds[0]]: 'accept' } });
  assert.deepEqual(await wx.requestSubscribeMessage({ tmplIds: ['TMPL_A'] }), {
    errMsg: 'requestSubscribeMessage:ok', TMPL_A: 'accept',
  });
  assert.equal(host.events.filter((e) => e.event === 'subscribe').length, 3);
  assert.equal(await host.close(), 0);
});

// The module in JavaScriptCore (the engine of iOS mini-app runtimes), not only
// in node's V8: calls are made through the real bridge here and recorded, then
// `jsc` runs the module as an injected script and replays them
// (tests/js/jsc/replay.js). ./test.sh installs jsc (Debian's
// libjavascriptcoregtk-4.0-bin) and names it in $JSC.
test('the module runs unchanged in JavaScriptCore', async () => {
  const { execFileSync } = require('node:child_process');
  const os = require('node:os');
  const jsc = process.env.JSC || '/usr/bin/jsc';
  assert.ok(fs.existsSync(jsc), `no jsc at ${jsc}: run ./test.sh js, which installs it`);
  const host = new BridgeHost(['allow', 'deny']);
  host.subscribeAnswer = (tmplIds) => ({
    subscriptions: Object.fromEntries(tmplIds.map((id) => [id, 'accept'])),
    keep: true,
  });
  host.transcript = [];
  let tapped = false;
  const wx = createWx(host.invoker('u1', 'wxA', { tap: () => tapped }));
  await wx.getSetting();
  await wx.authorize({ scope: 'scope.record' });
  await assert.rejects(wx.authorize({ scope: 'scope.camera' }));
  tapped = true;
  await wx.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  tapped = false;
  await assert.rejects(wx.requestSubscribeMessage({ tmplIds: ['TMPL_A'] }));
  await wx.getSetting({ withSubscriptions: true });
  assert.equal(await host.close(), 0);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-auth-jsc-')), 'transcript.json');
  fs.writeFileSync(file, JSON.stringify(host.transcript));
  const out = execFileSync(jsc, [path.join(__dirname, 'jsc', 'replay.js'), '--', MODULE, file], {
    encoding: 'utf8',
  });
  assert.match(out, /^jsc: 11 passed$/m, out);
  assert.doesNotMatch(out, /not ok/, out);
});
