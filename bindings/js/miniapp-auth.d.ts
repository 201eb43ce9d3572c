/**
 * miniapp-auth — the mini-app side (SPEC §7). The options and results of every
 * `wx` API here are WeChat's own: the package declares them itself
 * (wechat-types.d.ts), structurally identical to `miniprogram-api-typings`'
 * (`WechatMiniprogram.Wx`), so it type-checks installed alone, and code written
 * for WeChat type-checks unchanged against it, with WeChat's typings or without.
 * The one exception is `onNeedPrivacyAuthorization`, whose listener the official
 * typings declare as `(res) => void`; WeChat calls it with `(resolve, eventInfo)`
 * (developers.weixin.qq.com …/api/open-api/privacy/wx.onNeedPrivacyAuthorization.html),
 * and so is it typed here.
 */
import {
  AuthorizeForMiniProgramOption,
  AuthorizeOption,
  GeneralCallbackResult,
  GetPrivacySettingOption,
  GetSettingOption,
  OpenPrivacyContractOption,
  OpenSettingOption,
  PromisifySuccessResult,
  RequestSubscribeMessageOption,
  RequirePrivacyAuthorizeOption,
} from './wechat-types';

export * from './wechat-types';

/** The `wx` APIs `createWx` provides with WeChat's own signatures. */
export type ProvidedApi =
  | 'authorize'
  | 'getSetting'
  | 'openSetting'
  | 'authorizeForMiniProgram'
  | 'getPrivacySetting'
  | 'requirePrivacyAuthorize'
  | 'openPrivacyContract'
  | 'requestSubscribeMessage'
  | 'canIUse';

/** What the listener is told: the API or component that needs the agreement. */
export interface NeedPrivacyAuthorizationEventInfo {
  /**
   * As WeChat names it: an API (`'getClipboardData'`, `'chooseMedia'`,
   * `'authorize'`) or a component (`'button.getPhoneNumber'`, `'camera'`).
   */
  referrer: string;
}

/** What the listener answers through `resolve`. */
export interface NeedPrivacyAuthorizationAnswer {
  /** `exposureAuthorization` reports the popup shown; `agree`/`disagree` answer. */
  event: 'exposureAuthorization' | 'agree' | 'disagree';
  /** The agree button's id (needed with `agree`). */
  buttonId?: string;
}

/** `wx.onNeedPrivacyAuthorization`'s listener, as WeChat calls it. */
export type NeedPrivacyAuthorizationListener = (
  resolve: (answer: NeedPrivacyAuthorizationAnswer) => void,
  eventInfo: NeedPrivacyAuthorizationEventInfo
) => void;

/**
 * The `wx` object `createWx` builds: WeChat's signatures (`WechatMiniprogram.Wx`'s).
 * The Promise style (no callback: a Promise of the success result) is typed
 * where WeChat's typings type it; getPrivacySetting, requirePrivacyAuthorize,
 * openPrivacyContract and authorizeForMiniProgram are typed `void`, as there
 * (getPrivacySetting's page: "以 Promise 风格 调用：不支持"), although the module
 * answers them with a Promise too.
 */
export interface MiniAppWx {
  authorize<T extends AuthorizeOption = AuthorizeOption>(
    option: T
  ): PromisifySuccessResult<T, AuthorizeOption>;
  getSetting<T extends GetSettingOption = GetSettingOption>(
    option?: T
  ): PromisifySuccessResult<T, GetSettingOption>;
  openSetting<T extends OpenSettingOption = OpenSettingOption>(
    option?: T
  ): PromisifySuccessResult<T, OpenSettingOption>;
  authorizeForMiniProgram(option: AuthorizeForMiniProgramOption): void;
  getPrivacySetting(option: GetPrivacySettingOption): void;
  requirePrivacyAuthorize(option: RequirePrivacyAuthorizeOption): void;
  openPrivacyContract(option: OpenPrivacyContractOption): void;
  requestSubscribeMessage<T extends RequestSubscribeMessageOption = RequestSubscribeMessageOption>(
    option: T
  ): PromisifySuccessResult<T, RequestSubscribeMessageOption>;
  /** `${API}.${method}.${param}.${option}`: whether this module provides it. */
  canIUse(schema: string): boolean;
  onNeedPrivacyAuthorization(listener: NeedPrivacyAuthorizationListener): void;
}

/** The host's bridge: a call's result object of SPEC §4, or its JSON text. */
export type Invoke = (
  api: string,
  args: Record<string, unknown>
) => unknown | Promise<unknown>;

/** Where a callback's exception was thrown. */
export interface CallbackErrorSource {
  /** The API whose callback threw (`'authorize'`, …). */
  api: string;
  callback: 'success' | 'fail' | 'complete';
}

/** The host's options for `createWx`. */
export interface CreateWxOptions {
  /**
   * Gets what a mini app's success, fail or complete callback throws (the thrown
   * value as it is), as WeChat hands it to `App.onError`/`wx.onError`; the call
   * goes on. Without it the exception is thrown uncaught from a job of its own
   * (`queueMicrotask`, else `setTimeout`), or left as an unhandled rejection in
   * an engine with neither.
   */
  onCallbackError?: (error: unknown, source: CallbackErrorSource) => void;
}

/** Builds the `wx` authorization APIs over the host's `invoke`. */
export function createWx(invoke: Invoke, options?: CreateWxOptions): MiniAppWx;

/**
 * For the host: lets the mini app's own popup ask. Resolves with what its
 * listener answered, `{event: 'cancelled'}` when the host ended the event
 * first (`cancelNeedPrivacyAuthorization`), or `null` when it registered none.
 */
export function dispatchNeedPrivacyAuthorization(
  wx: MiniAppWx,
  eventInfo: NeedPrivacyAuthorizationEventInfo
): Promise<
  { event: 'agree' | 'disagree'; buttonId?: string } | { event: 'cancelled' } | null
>;

/**
 * For the host: ends the mini app's privacy events still waiting for their
 * listener (the prompt is over without its answer: the core's dialog bound,
 * a cancelled call, the mini app closed). Their dispatches resolve
 * `{event: 'cancelled'}`; the listener's `resolve` answers nothing after.
 */
export function cancelNeedPrivacyAuthorization(wx: MiniAppWx): void;

/** The host's options for `createRuntime`. */
export interface CreateRuntimeOptions extends CreateWxOptions {
  /** The mini app's calls: wired to the host's bridge for a page's calls. */
  invoke: Invoke;
  /**
   * The runtime's own calls (`agreePrivacyAuthorization`, the agree button's
   * tap): wired to the runtime's channel, which the mini app never reaches.
   */
  runtimeInvoke: Invoke;
}

/** What only the host's runtime may do; the mini app gets `wx` alone. */
export interface MiniAppRuntime {
  /** The mini app's `wx`. */
  readonly wx: MiniAppWx;
  /**
   * The person tapped `<button open-type="agreePrivacyAuthorization">` with
   * id `buttonId`: pending privacy events may now be answered `agree` with it,
   * and the agreement is recorded through `runtimeInvoke`.
   */
  agreeButtonTapped(buttonId?: string): Promise<GeneralCallbackResult>;
  /** `dispatchNeedPrivacyAuthorization` for this runtime's `wx`. */
  dispatchNeedPrivacyAuthorization(
    eventInfo: NeedPrivacyAuthorizationEventInfo
  ): Promise<
    { event: 'agree' | 'disagree'; buttonId?: string } | { event: 'cancelled' } | null
  >;
  /** `cancelNeedPrivacyAuthorization` for this runtime's `wx`. */
  cancelNeedPrivacyAuthorization(): void;
}

/**
 * For the host's runtime: the mini app's `wx` and, kept apart from it, the
 * report of a tap on the agree button. A listener's `agree` counts only for a
 * button reported tapped during that event (WeChat's base library checks it).
 */
export function createRuntime(options: CreateRuntimeOptions): MiniAppRuntime;

/** The APIs that go to the host. */
export const APIS: readonly string[];

export as namespace MiniAppAuth;
