/**
 * miniapp-auth — the mini-app side (SPEC §7). The options and results of every
 * `wx` API here are WeChat's own, as `miniprogram-api-typings` declares them
 * (`WechatMiniprogram.Wx`), so code written for WeChat type-checks unchanged.
 * The one exception is `onNeedPrivacyAuthorization`, whose listener the official
 * typings declare as `(res) => void`; WeChat calls it with `(resolve, eventInfo)`
 * (developers.weixin.qq.com …/api/open-api/privacy/wx.onNeedPrivacyAuthorization.html),
 * and so is it typed here.
 */
/// <reference types="miniprogram-api-typings" />

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

/** The `wx` object `createWx` builds. */
export interface MiniAppWx extends Pick<WechatMiniprogram.Wx, ProvidedApi> {
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

/** For the runtime: a tap on `<button open-type="agreePrivacyAuthorization">`. */
export function agreePrivacyAuthorization(
  wx: MiniAppWx,
  buttonId?: string
): Promise<WechatMiniprogram.GeneralCallbackResult>;

/** The APIs that go to the host. */
export const APIS: readonly string[];

export as namespace MiniAppAuth;
