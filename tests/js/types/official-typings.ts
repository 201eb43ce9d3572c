// The package beside WeChat's official typings (miniprogram-api-typings, whose
// global `wx` is `WechatMiniprogram.Wx`): the runtime puts the module's APIs on
// `wx`; code written for WeChat gets our `wx`, options and results, and code
// typed with the package gets WeChat's. Every option and result type the package
// declares is identical to WeChat's of the same name.
import {
  AsyncMethodOptionLike,
  AuthSetting,
  AuthorizeForMiniProgramOption,
  AuthorizeOption,
  createWx,
  GeneralCallbackResult,
  GetPrivacySettingOption,
  GetPrivacySettingSuccessCallbackResult,
  GetSettingOption,
  GetSettingSuccessCallbackResult,
  MiniAppWx,
  OpenPrivacyContractOption,
  OpenSettingOption,
  OpenSettingSuccessCallbackResult,
  PromisifySuccessResult,
  ProvidedApi,
  RequestSubscribeMessageFailCallbackResult,
  RequestSubscribeMessageOption,
  RequestSubscribeMessageSuccessCallbackResult,
  RequirePrivacyAuthorizeOption,
  SubscriptionsSetting,
} from 'miniapp-auth';

declare function nativeCall(api: string, args: Record<string, unknown>): Promise<string>;

/** true when A and B are the same type (not merely assignable both ways: any ≠ string). */
type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// tsc refuses `true` for a pair that is not identical.
declare function identical<A, B>(same: Identical<A, B>): void;
identical<GeneralCallbackResult, WechatMiniprogram.GeneralCallbackResult>(true);
identical<AsyncMethodOptionLike, WechatMiniprogram.AsyncMethodOptionLike>(true);
identical<AuthSetting, WechatMiniprogram.AuthSetting>(true);
identical<SubscriptionsSetting, WechatMiniprogram.SubscriptionsSetting>(true);
identical<AuthorizeOption, WechatMiniprogram.AuthorizeOption>(true);
identical<GetSettingOption, WechatMiniprogram.GetSettingOption>(true);
identical<GetSettingSuccessCallbackResult, WechatMiniprogram.GetSettingSuccessCallbackResult>(true);
identical<OpenSettingOption, WechatMiniprogram.OpenSettingOption>(true);
identical<OpenSettingSuccessCallbackResult, WechatMiniprogram.OpenSettingSuccessCallbackResult>(true);
identical<AuthorizeForMiniProgramOption, WechatMiniprogram.AuthorizeForMiniProgramOption>(true);
identical<GetPrivacySettingOption, WechatMiniprogram.GetPrivacySettingOption>(true);
identical<
  GetPrivacySettingSuccessCallbackResult,
  WechatMiniprogram.GetPrivacySettingSuccessCallbackResult
>(true);
identical<RequirePrivacyAuthorizeOption, WechatMiniprogram.RequirePrivacyAuthorizeOption>(true);
identical<OpenPrivacyContractOption, WechatMiniprogram.OpenPrivacyContractOption>(true);
identical<RequestSubscribeMessageOption, WechatMiniprogram.RequestSubscribeMessageOption>(true);
identical<
  RequestSubscribeMessageSuccessCallbackResult,
  WechatMiniprogram.RequestSubscribeMessageSuccessCallbackResult
>(true);
identical<
  RequestSubscribeMessageFailCallbackResult,
  WechatMiniprogram.RequestSubscribeMessageFailCallbackResult
>(true);
identical<
  PromisifySuccessResult<{ scope: string }, AuthorizeOption>,
  WechatMiniprogram.PromisifySuccessResult<{ scope: string }, WechatMiniprogram.AuthorizeOption>
>(true);
identical<
  PromisifySuccessResult<GetSettingOption, GetSettingOption>,
  WechatMiniprogram.PromisifySuccessResult<WechatMiniprogram.GetSettingOption, WechatMiniprogram.GetSettingOption>
>(true);
// And over a mini app's option type not known yet (the methods' generic form).
function promisified<P>(): void {
  identical<
    PromisifySuccessResult<P, RequestSubscribeMessageOption>,
    WechatMiniprogram.PromisifySuccessResult<P, WechatMiniprogram.RequestSubscribeMessageOption>
  >(true);
}

const ours = createWx(nativeCall);

// The runtime's bootstrap puts the module's APIs on WeChat's global wx.
Object.assign(wx, ours);

// Ours where WeChat's are expected, every provided API (onNeedPrivacyAuthorization
// differs on purpose: WeChat calls its listener with (resolve, eventInfo)).
const asOfficial: Pick<WechatMiniprogram.Wx, ProvidedApi> = ours;
const authorize: WechatMiniprogram.Wx['authorize'] = ours.authorize;
// WeChat's where ours are expected (shared code typed with the package, given the real wx).
const asOurs: Pick<MiniAppWx, ProvidedApi> = wx;

/** Results and options across, both ways. */
async function across(): Promise<void> {
  const fromOurs: WechatMiniprogram.GetSettingSuccessCallbackResult = await ours.getSetting();
  const fromWx: GetSettingSuccessCallbackResult = await wx.getSetting({ withSubscriptions: true });
  const opened: WechatMiniprogram.OpenSettingSuccessCallbackResult = await ours.openSetting();
  const granted: WechatMiniprogram.GeneralCallbackResult = await ours.authorize({ scope: 'scope.record' });
  const subscribed: WechatMiniprogram.RequestSubscribeMessageSuccessCallbackResult =
    await ours.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  const wechatOption: WechatMiniprogram.RequestSubscribeMessageOption = {
    tmplIds: ['TMPL_A'],
    fail: (res) => String(res.errCode),
  };
  ours.requestSubscribeMessage(wechatOption);
  const ourOption: AuthorizeOption = { scope: 'scope.camera', success: (res) => res.errMsg };
  wx.authorize(ourOption);
  ours.getSetting({
    success(res: WechatMiniprogram.GetSettingSuccessCallbackResult) {
      fromOurs.authSetting = res.authSetting;
    },
  });
  ours.getPrivacySetting({
    success: (res: WechatMiniprogram.GetPrivacySettingSuccessCallbackResult) => res.needAuthorization,
  });
  ours.requestSubscribeMessage({
    tmplIds: ['TMPL_B'],
    fail: (res: WechatMiniprogram.RequestSubscribeMessageFailCallbackResult) => res.errCode,
  });
  console.log(fromWx, opened, granted, subscribed);
}

export { promisified, asOfficial, authorize, asOurs, across };
