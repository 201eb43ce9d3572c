// Real published mini-app frameworks' API layers over the module and the real
// bridge (issue #12): WeChat's own miniprogram-api-promise (promisifyAll),
// Mpx's @mpxjs/api-proxy (getProxy with usePromise), Taro's WeChat platform
// layer (initNativeApi) and uni-app's WeChat API layer, pinned and bundled with
// esbuild as a mini-app build bundles them — by ./test.sh into a cache outside
// the work tree (scripts/toolchains.sh js; $FRAMEWORKS names it).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const MODULE = path.resolve(__dirname, '..', '..', 'bindings', 'js', 'miniapp-auth.js');
const { createWx } = require(MODULE);
const { BridgeHost } = require('./bridge-host');

function bundle(name) {
  const dir = process.env.FRAMEWORKS;
  assert.ok(dir, 'FRAMEWORKS is not set: run ./test.sh js, which installs the frameworks');
  const file = path.join(dir, 'bundles', `${name}.js`);
  assert.ok(fs.existsSync(file), `${file} is missing: run ./test.sh js`);
  return file;
}

/** Loads a bundle afresh (each load copies the global `wx` anew, as at app start). */
function loadFresh(file) {
  delete require.cache[require.resolve(file)];
  return require(file);
}

test('miniprogram-api-promise promisifies the module\'s APIs', async () => {
  const { promisifyAll } = loadFresh(bundle('miniprogram-api-promise'));
  const host = new BridgeHost(['allow', 'deny']);
  let tapped = false;
  const wx = createWx(host.invoker('u1', 'wxA', { tap: () => tapped }));
  const wxp = {};
  promisifyAll(wx, wxp);
  assert.deepEqual(await wxp.authorize({ scope: 'scope.record' }), { errMsg: 'authorize:ok' });
  await assert.rejects(wxp.authorize({ scope: 'scope.camera' }), {
    errMsg: 'authorize:fail auth deny',
    errno: 103,
  });
  const setting = await wxp.getSetting({ withSubscriptions: true });
  assert.equal(setting.authSetting['scope.record'], true);
  assert.deepEqual(setting.subscriptionsSetting, { mainSwitch: true, itemSettings: {} });
  tapped = true;
  const subscribed = await wxp.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  assert.equal(subscribed.errMsg, 'requestSubscribeMessage:ok');
  assert.equal(subscribed.TMPL_A, 'reject');
  const opened = await wxp.openSetting({ withSubscriptions: true });
  assert.equal(opened.errMsg, 'openSetting:ok');
  assert.equal(await host.close(), 0);
});

test('Mpx\'s api-proxy works when the APIs are on wx before it loads, and not after', async () => {
  const host = new BridgeHost(['agree', 'allow']);
  await host.register('wxA', {
    privacy: { contractName: 'Guide', version: '1', scopes: ['scope.record'] },
  });
  const file = bundle('mpx-api-proxy');
  // Installed too late: Mpx copied the runtime's wx when it loaded.
  globalThis.wx = {};
  const early = loadFresh(file).getProxy({ usePromise: true });
  Object.assign(globalThis.wx, createWx(host.invoker('u1', 'wxA')));
  assert.equal(typeof early.authorize, 'undefined', 'Mpx saw a wx without the APIs');
  // Installed first, as the README says.
  globalThis.wx = createWx(host.invoker('u1', 'wxA'));
  const mpx = loadFresh(file).getProxy({ usePromise: true });
  assert.deepEqual(await mpx.getPrivacySetting(), {
    errMsg: 'getPrivacySetting:ok',
    needAuthorization: true,
    privacyContractName: 'Guide',
  });
  assert.deepEqual(await mpx.authorize({ scope: 'scope.record' }), { errMsg: 'authorize:ok' });
  assert.equal((await mpx.getSetting()).authSetting['scope.record'], true);
  delete globalThis.wx;
  assert.equal(await host.close(), 0);
});

// Taro's WeChat platform layer (@tarojs/plugin-platform-weapp's initNativeApi,
// i.e. processApis(Taro, wx)): Taro.authorize and friends promisified over the
// module's wx, as a Taro app calls them.
test('Taro\'s API layer over the module\'s wx', async () => {
  const host = new BridgeHost(['allow']);
  host.subscribeAnswer = (tmplIds) => ({
    subscriptions: Object.fromEntries(tmplIds.map((id) => [id, 'accept'])),
    keep: false,
  });
  let tapped = false;
  // The runtime globals Taro reads at install (the mini-app runtime has them).
  globalThis.getCurrentPages = () => [];
  globalThis.getApp = () => ({});
  globalThis.wx = createWx(host.invoker('u1', 'wxA', { tap: () => tapped }));
  const Taro = loadFresh(bundle('taro')).taroOverWx();
  assert.deepEqual(await Taro.authorize({ scope: 'scope.record' }), { errMsg: 'authorize:ok' });
  const setting = await Taro.getSetting({ withSubscriptions: true });
  assert.equal(setting.authSetting['scope.record'], true);
  tapped = true;
  const subscribed = await Taro.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  assert.equal(subscribed.TMPL_A, 'accept');
  tapped = false;
  await assert.rejects(Taro.openSetting(), {
    errMsg: 'openSetting:fail can only be invoked by user TAP gesture.',
  });
  assert.equal(typeof Taro.onNeedPrivacyAuthorization, 'function', 'passed through');
  delete globalThis.wx;
  assert.equal(await host.close(), 0);
});

// uni-app's WeChat API layer (@dcloudio/uni-mp-weixin's `uni` over `wx`): its
// Promise form and its callbacks, as a uni-app page calls them.
test('uni-app\'s API layer over the module\'s wx', async () => {
  const host = new BridgeHost(['allow', 'deny']);
  globalThis.wx = createWx(host.invoker('u1', 'wxA'));
  const uni = loadFresh(bundle('uni-app')).default;
  assert.deepEqual(await uni.authorize({ scope: 'scope.record' }), { errMsg: 'authorize:ok' });
  const denied = await new Promise((resolve) => {
    uni.authorize({ scope: 'scope.camera', fail: resolve });
  });
  assert.deepEqual(denied, { errMsg: 'authorize:fail auth deny', errno: 103 });
  await assert.rejects(uni.authorize({ scope: 'scope.camera' }), { errno: 103 });
  const setting = await uni.getSetting({ withSubscriptions: true });
  assert.equal(setting.authSetting['scope.record'], true);
  assert.equal(setting.authSetting['scope.camera'], false);
  delete globalThis.wx;
  assert.equal(await host.close(), 0);
});
