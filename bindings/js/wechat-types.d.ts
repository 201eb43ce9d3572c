/**
 * WeChat's option and result types for the `wx` APIs miniapp-auth provides,
 * declared here so that the package type-checks on its own. Each one is
 * structurally identical to the declaration of the same name in WeChat's
 * official typings (`miniprogram-api-typings` 5.2.3, `types/wx/lib.wx.api.d.ts`
 * and `types/wx/index.d.ts`, namespace `WechatMiniprogram`): a project that has
 * those installed assigns our `wx`, options and results to WeChat's and back
 * (tests/js/package.test.js checks both, and the package alone).
 */

/** The result every callback gets (`WechatMiniprogram.GeneralCallbackResult`). */
export interface GeneralCallbackResult {
  /** `<api>:ok`, or `<api>:fail <reason>`. */
  errMsg: string;
}

/** An option object with a success callback (`WechatMiniprogram.AsyncMethodOptionLike`). */
export interface AsyncMethodOptionLike {
  success?: (...args: any[]) => void;
}

/**
 * What an API that supports the Promise style returns
 * (`WechatMiniprogram.PromisifySuccessResult`): nothing when the option `P`
 * has a success, fail or complete callback, else a Promise of the success
 * result of the API's option type `T`.
 */
export type PromisifySuccessResult<P, T extends AsyncMethodOptionLike> = P extends {
  success: any;
}
  ? void
  : P extends { fail: any }
  ? void
  : P extends { complete: any }
  ? void
  : Promise<Parameters<Exclude<T['success'], undefined>>[0]>;

/**
 * The user's authorization settings: only scopes the mini app has asked for
 * appear (`WechatMiniprogram.AuthSetting`;
 * developers.weixin.qq.com/miniprogram/dev/framework/open-ability/authorize.html).
 */
export interface AuthSetting {
  'scope.addPhoneCalendar'?: boolean;
  'scope.addPhoneContact'?: boolean;
  'scope.address'?: boolean;
  'scope.bluetooth'?: boolean;
  'scope.camera'?: boolean;
  'scope.invoice'?: boolean;
  'scope.invoiceTitle'?: boolean;
  'scope.record'?: boolean;
  'scope.userFuzzyLocation'?: boolean;
  'scope.userInfo'?: boolean;
  'scope.userLocation'?: boolean;
  'scope.werun'?: boolean;
  'scope.writePhotosAlbum'?: boolean;
}

/** The subscription settings (`WechatMiniprogram.SubscriptionsSetting`). */
export interface SubscriptionsSetting {
  /** The main switch of subscription messages. */
  mainSwitch: boolean;
  /**
   * Each template's kept choice (`'accept'`, `'reject'` or `'ban'`): only those
   * the user chose "always keep this choice" for.
   */
  itemSettings?: Record<string, any>;
}

/** `wx.authorize`'s option (`WechatMiniprogram.AuthorizeOption`). */
export interface AuthorizeOption {
  /** The scope to ask for (`'scope.record'`, …). */
  scope: string;
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (res: GeneralCallbackResult) => void;
  success?: (res: GeneralCallbackResult) => void;
}

/** `wx.getSetting`'s option (`WechatMiniprogram.GetSettingOption`). */
export interface GetSettingOption {
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (res: GeneralCallbackResult) => void;
  success?: (result: GetSettingSuccessCallbackResult) => void;
  /** Also read the kept subscription choices. */
  withSubscriptions?: boolean;
}

/** `wx.getSetting`'s success result (`WechatMiniprogram.GetSettingSuccessCallbackResult`). */
export interface GetSettingSuccessCallbackResult {
  authSetting: AuthSetting;
  subscriptionsSetting: SubscriptionsSetting;
  /** In a plugin: the host mini app's settings (without subscriptions). */
  miniprogramAuthSetting?: AuthSetting;
  errMsg: string;
}

/** `wx.openSetting`'s option (`WechatMiniprogram.OpenSettingOption`). */
export interface OpenSettingOption {
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (res: GeneralCallbackResult) => void;
  success?: (result: OpenSettingSuccessCallbackResult) => void;
  /** Also read the kept subscription choices. */
  withSubscriptions?: boolean;
}

/** `wx.openSetting`'s success result (`WechatMiniprogram.OpenSettingSuccessCallbackResult`). */
export interface OpenSettingSuccessCallbackResult {
  authSetting: AuthSetting;
  subscriptionsSetting: SubscriptionsSetting;
  errMsg: string;
}

/** `wx.authorizeForMiniProgram`'s option (`WechatMiniprogram.AuthorizeForMiniProgramOption`). */
export interface AuthorizeForMiniProgramOption {
  /** The scopes a plugin may ask for on behalf of its mini app. */
  scope: 'scope.record' | 'scope.writePhotosAlbum' | 'scope.camera';
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (res: GeneralCallbackResult) => void;
  success?: (res: GeneralCallbackResult) => void;
}

/** `wx.getPrivacySetting`'s option (`WechatMiniprogram.GetPrivacySettingOption`). */
export interface GetPrivacySettingOption {
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (res: GeneralCallbackResult) => void;
  success?: (result: GetPrivacySettingSuccessCallbackResult) => void;
}

/** `wx.getPrivacySetting`'s success result (`WechatMiniprogram.GetPrivacySettingSuccessCallbackResult`). */
export interface GetPrivacySettingSuccessCallbackResult {
  /** Whether the user still has to agree to the privacy guide. */
  needAuthorization: boolean;
  /** The privacy guide's name (`《…隐私保护指引》`). */
  privacyContractName: string;
  errMsg: string;
}

/** `wx.requirePrivacyAuthorize`'s option (`WechatMiniprogram.RequirePrivacyAuthorizeOption`). */
export interface RequirePrivacyAuthorizeOption {
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (res: GeneralCallbackResult) => void;
  success?: (res: GeneralCallbackResult) => void;
}

/** `wx.openPrivacyContract`'s option (`WechatMiniprogram.OpenPrivacyContractOption`). */
export interface OpenPrivacyContractOption {
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (res: GeneralCallbackResult) => void;
  success?: (res: GeneralCallbackResult) => void;
}

/** `wx.requestSubscribeMessage`'s option (`WechatMiniprogram.RequestSubscribeMessageOption`). */
export interface RequestSubscribeMessageOption {
  /** The template ids to ask for (at most 5 a call). */
  tmplIds: any[];
  complete?: (res: GeneralCallbackResult) => void;
  fail?: (result: RequestSubscribeMessageFailCallbackResult) => void;
  success?: (result: RequestSubscribeMessageSuccessCallbackResult) => void;
}

/**
 * `wx.requestSubscribeMessage`'s success result
 * (`WechatMiniprogram.RequestSubscribeMessageSuccessCallbackResult`): each
 * template id's answer, `'accept'`, `'reject'`, `'ban'` or `'filter'`.
 */
export interface RequestSubscribeMessageSuccessCallbackResult {
  [TEMPLATE_ID: string]: string;
  errMsg: string;
}

/**
 * `wx.requestSubscribeMessage`'s fail result
 * (`WechatMiniprogram.RequestSubscribeMessageFailCallbackResult`).
 */
export interface RequestSubscribeMessageFailCallbackResult {
  /** WeChat's error code. */
  errCode: number;
  errMsg: string;
}
