// The runtime's bootstrap as a plain script (no import or export), where the
// module is injected as a script and defines the global `MiniAppAuth` (the
// declarations' `export as namespace MiniAppAuth`), reached by a type reference
// to the installed package: the runtime builds the mini app's `wx` and keeps the
// agree button's tap report to itself (bindings/js/README.md).
/// <reference types="miniapp-auth" />

declare const nativeBridge: {
  pageCall(api: string, args: Record<string, unknown>): string | Promise<string>;
  runtimeCall(api: string, args: Record<string, unknown>): string | Promise<string>;
};
declare function reportScriptError(error: unknown, where: string): void;

const bootstrapRuntime: MiniAppAuth.MiniAppRuntime = MiniAppAuth.createRuntime({
  invoke: (api, args) => nativeBridge.pageCall(api, args),
  runtimeInvoke: (api, args) => nativeBridge.runtimeCall(api, args),
  onCallbackError: (error, { api, callback }) => reportScriptError(error, `${api} ${callback}`),
});
const bootstrapWx: MiniAppAuth.MiniAppWx = bootstrapRuntime.wx;

/** The host's privacy prompt, answered by the mini app's own popup when it has one. */
async function onPrivacyPrompt(referrer: string): Promise<boolean | null> {
  const answer = await bootstrapRuntime.dispatchNeedPrivacyAuthorization({ referrer });
  if (answer === null) return null; // no listener: the host shows its own popup
  if (answer.event === 'cancelled') return false;
  return answer.event === 'agree';
}

/** The runtime renders the agree button; its tap is reported here, never by the mini app. */
async function onAgreeButtonTap(buttonId: string): Promise<string> {
  const recorded: MiniAppAuth.GeneralCallbackResult = await bootstrapRuntime.agreeButtonTapped(buttonId);
  return recorded.errMsg;
}

const bootstrapSetting: Promise<MiniAppAuth.GetSettingSuccessCallbackResult> = bootstrapWx.getSetting();
const bootstrapApis: readonly string[] = MiniAppAuth.APIS;
