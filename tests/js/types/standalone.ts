// A mini app's code against the package alone: installed from its tarball into
// a fresh TypeScript project that has no WeChat typings (tests/js/package.test.js
// also compiles it beside them). createWx, every API the module provides in the
// calling conventions WeChat gives it, onNeedPrivacyAuthorization, canIUse, and
// the option and result types by name. `@ts-expect-error` lines are mistakes the
// declarations must refuse (tsc fails if one is accepted).
import {
  createWx,
  GeneralCallbackResult,
  GetPrivacySettingSuccessCallbackResult,
  GetSettingSuccessCallbackResult,
  MiniAppWx,
  NeedPrivacyAuthorizationAnswer,
  OpenSettingSuccessCallbackResult,
  RequestSubscribeMessageFailCallbackResult,
  RequestSubscribeMessageOption,
  RequestSubscribeMessageSuccessCallbackResult,
  SubscriptionsSetting,
} from 'miniapp-auth';

declare function nativeCall(api: string, args: Record<string, unknown>): Promise<string>;

const scriptErrors: Array<{ error: unknown; where: string }> = [];
const wx: MiniAppWx = createWx((api, args) => nativeCall(api, args), {
  onCallbackError(error, source) {
    scriptErrors.push({ error, where: `${source.api} ${source.callback}` });
  },
});

/** Every API with success, fail and complete callbacks: each returns nothing. */
function callbacks(): void {
  const results: string[] = [];
  const authorized: void = wx.authorize({
    scope: 'scope.record',
    success: (res) => results.push(res.errMsg),
    fail: (res) => results.push(res.errMsg),
    complete: (res) => results.push(res.errMsg),
  });
  wx.getSetting({
    withSubscriptions: true,
    success(res) {
      const recording: boolean | undefined = res.authSetting['scope.record'];
      const subscriptions: SubscriptionsSetting = res.subscriptionsSetting;
      const kept: Record<string, any> | undefined = subscriptions.itemSettings;
      results.push(String(recording), String(subscriptions.mainSwitch), String(kept));
      if (res.miniprogramAuthSetting) results.push(String(res.miniprogramAuthSetting['scope.camera']));
    },
    fail: (res) => results.push(res.errMsg),
  });
  wx.openSetting({
    success: (res: OpenSettingSuccessCallbackResult) => results.push(String(res.authSetting['scope.userLocation'])),
    complete: (res) => results.push(res.errMsg),
  });
  wx.authorizeForMiniProgram({
    scope: 'scope.writePhotosAlbum',
    success: (res) => results.push(res.errMsg),
    fail: (res) => results.push(res.errMsg),
    complete: (res) => results.push(res.errMsg),
  });
  wx.getPrivacySetting({
    success(res: GetPrivacySettingSuccessCallbackResult) {
      if (res.needAuthorization) results.push(res.privacyContractName);
    },
    fail: (res) => results.push(res.errMsg),
  });
  wx.requirePrivacyAuthorize({
    success: (res) => results.push(res.errMsg),
    fail: (res) => results.push(res.errMsg),
  });
  wx.openPrivacyContract({ success: (res) => results.push(res.errMsg) });
  wx.requestSubscribeMessage({
    tmplIds: ['TMPL_A', 'TMPL_B'],
    success(res) {
      const choice: string = res['TMPL_A'];
      results.push(choice, res.errMsg);
    },
    fail(res) {
      const code: number = res.errCode;
      results.push(String(code), res.errMsg);
    },
  });
  results.push(String(authorized));
}

/** The APIs WeChat's typings give the Promise style, without callbacks. */
async function promises(): Promise<string[]> {
  const authorized: GeneralCallbackResult = await wx.authorize({ scope: 'scope.camera' });
  const setting: GetSettingSuccessCallbackResult = await wx.getSetting();
  const subscriptions = (await wx.getSetting({ withSubscriptions: true })).subscriptionsSetting;
  const opened: OpenSettingSuccessCallbackResult = await wx.openSetting({ withSubscriptions: true });
  const option: RequestSubscribeMessageOption = { tmplIds: ['TMPL_A'] };
  const subscribed: RequestSubscribeMessageSuccessCallbackResult = await wx.requestSubscribeMessage(option);
  const refused = await wx.requestSubscribeMessage({ tmplIds: ['TMPL_B'] }).catch(
    (failure: RequestSubscribeMessageFailCallbackResult) => failure.errCode
  );
  return [
    authorized.errMsg,
    String(setting.authSetting['scope.camera']),
    String(subscriptions.mainSwitch),
    String(opened.subscriptionsSetting.mainSwitch),
    subscribed['TMPL_A'],
    String(refused),
  ];
}

/** WeChat's onNeedPrivacyAuthorization sample, and canIUse. */
const privacyPage = {
  answer: undefined as undefined | ((answer: NeedPrivacyAuthorizationAnswer) => void),
  referrer: '',
  onLoad(): void {
    if (!wx.canIUse('onNeedPrivacyAuthorization')) return;
    wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
      this.referrer = eventInfo.referrer;
      this.answer = resolve;
      resolve({ event: 'exposureAuthorization' });
    });
  },
  handleAgree(): void {
    this.answer?.({ event: 'agree', buttonId: 'agree-btn' });
  },
  handleDisagree(): void {
    this.answer?.({ event: 'disagree' });
  },
};
const withSubscriptions: boolean = wx.canIUse('getSetting.object.withSubscriptions');

function mistakes(): void {
  // @ts-expect-error: authorize needs its scope.
  wx.authorize({ success() {} });
  // @ts-expect-error: a plugin asks authorizeForMiniProgram for record, writePhotosAlbum or camera only.
  wx.authorizeForMiniProgram({ scope: 'scope.userLocation' });
  // @ts-expect-error: getPrivacySetting has no Promise style ("以 Promise 风格 调用：不支持").
  wx.getPrivacySetting({}).then(() => undefined);
  // @ts-expect-error: requestSubscribeMessage needs its template ids.
  wx.requestSubscribeMessage({});
  // @ts-expect-error: a call with a callback returns nothing to await on.
  wx.getSetting({ success() {} }).then(() => undefined);
  // @ts-expect-error: the listener's answer is agree, disagree or exposureAuthorization.
  wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'maybe' }));
  // @ts-expect-error: canIUse takes a schema string.
  wx.canIUse(42);
  // @ts-expect-error: the host's bridge is a function.
  createWx({ call: nativeCall });
}

export { callbacks, promises, privacyPage, withSubscriptions, mistakes, scriptErrors };
