// The runtime's bootstrap as a plain script (no import or export), where the
// module is injected as a script and defines the global `MiniAppAuth` (the
// declarations' `export as namespace MiniAppAuth`), reached by a type reference
// to the installed package.
/// <reference types="miniapp-auth" />

declare const nativeBridge: {
  call(api: string, args: Record<string, unknown>): string | Promise<string>;
};

const bootstrapWx: MiniAppAuth.MiniAppWx = MiniAppAuth.createWx(
  (api, args) => nativeBridge.call(api, args),
  { onCallbackError: (error, { api, callback }) => reportScriptError(error, `${api} ${callback}`) }
);

declare function reportScriptError(error: unknown, where: string): void;

/** The runtime's agree button and the host's privacy prompt. */
async function onPrivacyPrompt(referrer: string): Promise<boolean> {
  const answer = await MiniAppAuth.dispatchNeedPrivacyAuthorization(bootstrapWx, { referrer });
  if (answer === null || answer.event === 'cancelled') return false;
  return answer.event === 'agree';
}

const bootstrapSetting: Promise<MiniAppAuth.GetSettingSuccessCallbackResult> = bootstrapWx.getSetting();
const bootstrapApis: readonly string[] = MiniAppAuth.APIS;
