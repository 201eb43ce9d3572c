// WeChat's privacy interfaces no scope guards (SPEC §3), through the real
// `miniapp-auth bridge`: the host's runtime gates `getClipboardData` or the
// `getPhoneNumber` button before running it, with the same call as a guarded
// API; the mini app's own popup (`wx.onNeedPrivacyAuthorization`) hears the
// interface as `eventInfo.referrer`, as WeChat names it ("button.getPhoneNumber",
// developers.weixin.qq.com …/api/open-api/privacy/wx.onNeedPrivacyAuthorization.html),
// and a disagreement fails the interface 104 in its own name.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const MODULE = path.resolve(__dirname, '..', '..', 'bindings', 'js', 'miniapp-auth.js');
const { createWx, dispatchNeedPrivacyAuthorization } = require(MODULE);
const { BridgeHost } = require('./bridge-host');

test('a privacy interface with no scope: the popup hears its name, 104 on disagreement, 112 when undeclared', async () => {
  const host = new BridgeHost([]);
  await host.register('wxA', {
    name: 'Demo',
    privacy: { contractName: 'Demo guide', version: '1', infos: ['Clipboard', 'PhoneNumber'] },
  });
  const invoke = host.invoker('u1', 'wxA');
  const wx = createWx(invoke);
  host.privacyHandler = (event) => dispatchNeedPrivacyAuthorization(wx, { referrer: event.referrer });
  const heard = [];
  wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    heard.push(eventInfo.referrer);
    resolve({ event: 'disagree' });
  });

  // The runtime gates the interface before it runs it (the bridge's `ensure`).
  assert.deepEqual(await invoke('getClipboardData', {}), {
    errMsg: 'getClipboardData:fail privacy permission is not authorized',
    errno: 104,
  });
  assert.deepEqual(heard, ['getClipboardData']);
  assert.deepEqual(await invoke('chooseMedia', {}), {
    errMsg: 'chooseMedia:fail api scope is not declared in the privacy agreement',
    errno: 112,
  });
  assert.deepEqual(heard, ['getClipboardData'], 'undeclared: no popup');
  assert.deepEqual((await wx.getPrivacySetting()).needAuthorization, true);
  assert.equal(await host.close(), 0);
});

test('a button answers in its event\'s name and its referrer is WeChat\'s', async () => {
  const host = new BridgeHost([]);
  await host.register('wxA', {
    privacy: { contractName: 'Demo guide', version: '1', infos: ['PhoneNumber'] },
  });
  const invoke = host.invoker('u1', 'wxA');
  const wx = createWx(invoke);
  host.privacyHandler = (event) => dispatchNeedPrivacyAuthorization(wx, { referrer: event.referrer });
  const heard = [];
  wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    heard.push(eventInfo.referrer);
    resolve({ event: 'disagree' });
  });
  assert.deepEqual(await invoke('button.getPhoneNumber', {}), {
    errMsg: 'getPhoneNumber:fail privacy permission is not authorized',
    errno: 104,
  });
  assert.deepEqual(heard, ['button.getPhoneNumber']);
  assert.equal(await host.close(), 0);
});
