// The combined dialog through the real bridge (issue #22 item 7): with
// `--combined-privacy-dialog true`, a call that needs the privacy agreement and
// leads to an authorization dialog gets one `consent` event carrying
// `privacyContract`, answered with `agreePrivacy` (WeChat's base library
// 3.4.2: "有授权弹窗的隐私接口(例如 wx.getLocation),将不会再弹官方隐私弹窗,而是在
// 授权弹窗上增加“隐私勾选”"). No `privacy` event: the mini app's own
// onNeedPrivacyAuthorization listener is not triggered for it (our choice where
// the guide is silent, docs/behaviour.md). requirePrivacyAuthorize (no
// authorization dialog) still gets the popup and the listener.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const MODULE = path.resolve(__dirname, '..', '..', 'bindings', 'js', 'miniapp-auth.js');
const { createWx, dispatchNeedPrivacyAuthorization } = require(MODULE);
const { BridgeHost } = require('./bridge-host');

const MANIFEST = {
  name: 'Demo',
  privacy: { contractName: 'Demo guide', version: '1', scopes: ['scope.record', 'scope.camera'] },
};

test('off by default: the privacy event, then the consent event without a contract', async () => {
  const host = new BridgeHost(['agree', 'allow']);
  await host.register('wxA', MANIFEST);
  const wx = createWx(host.invoker('u1', 'wxA'));
  assert.deepEqual(await wx.authorize({ scope: 'scope.record' }), { errMsg: 'authorize:ok' });
  assert.deepEqual(host.events.map((e) => e.event), ['privacy', 'consent']);
  assert.equal(host.events[1].privacyContract, undefined);
  assert.equal(await host.close(), 0);
});

test('on: one consent event carries the contract; the checkbox answer stores both', async () => {
  const host = new BridgeHost([], { bridgeArgs: ['--combined-privacy-dialog', 'true'] });
  await host.register('wxA', MANIFEST);
  const wx = createWx(host.invoker('u1', 'wxA'));
  let listened = 0;
  wx.onNeedPrivacyAuthorization((resolve) => {
    listened += 1;
    resolve({ event: 'disagree' });
  });
  host.privacyHandler = (event) => dispatchNeedPrivacyAuthorization(wx, { referrer: event.referrer });
  const answers = [
    { decision: 'allow' }, // the checkbox left unticked: nothing granted
    { decision: 'allow', agreePrivacy: 'yes' }, // not an answer: the prompt stays open
    { decision: 'allow', agreePrivacy: true },
  ];
  host.consentAnswer = () => answers.shift();

  await assert.rejects(wx.authorize({ scope: 'scope.record' }), {
    errMsg: 'authorize:fail privacy permission is not authorized',
    errno: 104,
  });
  assert.equal((await wx.getPrivacySetting()).needAuthorization, true);

  // A bad answer is refused and changes nothing; the next line answers.
  const bad = host.consentAnswer;
  host.consentAnswer = (event) => {
    const first = bad(event);
    setTimeout(() => host.send({ prompt: event.prompt, ...bad(event) }), 20);
    return first;
  };
  assert.deepEqual(await wx.authorize({ scope: 'scope.record' }), { errMsg: 'authorize:ok' });
  const consents = host.events.filter((e) => e.event === 'consent');
  assert.equal(consents.length, 2);
  for (const event of consents) {
    assert.deepEqual(event.privacyContract, { name: 'Demo guide', version: '1' });
    assert.equal(event.scope, 'scope.record');
  }
  assert.equal(host.events.filter((e) => e.event === 'privacy').length, 0, 'no popup');
  assert.equal(listened, 0, "the mini app's listener is not triggered");
  assert.equal((await wx.getPrivacySetting()).needAuthorization, false);
  assert.equal((await wx.getSetting()).authSetting['scope.record'], true);
  assert.equal(await host.close(), 0);
});

test('on: requirePrivacyAuthorize has no authorization dialog and keeps the popup', async () => {
  const host = new BridgeHost([], { bridgeArgs: ['--combined-privacy-dialog', 'true'] });
  await host.register('wxA', MANIFEST);
  const wx = createWx(host.invoker('u1', 'wxA'));
  const referrers = [];
  wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
    referrers.push(eventInfo.referrer);
    resolve({ event: 'disagree' });
  });
  host.privacyHandler = (event) => dispatchNeedPrivacyAuthorization(wx, { referrer: event.referrer });
  await assert.rejects(wx.requirePrivacyAuthorize(), { errno: 104 });
  assert.deepEqual(referrers, ['requirePrivacyAuthorize']);
  assert.deepEqual(host.events.map((e) => e.event), ['privacy']);
  assert.equal(await host.close(), 0);
});

test('the bridge refuses a bad --combined-privacy-dialog value', async () => {
  const host = new BridgeHost([], { bridgeArgs: ['--combined-privacy-dialog', 'maybe'] });
  assert.notEqual(await host.exited, 0);
  require('node:fs').rmSync(host.dir, { recursive: true, force: true });
});
