// Real-style mini-app code, type-checked (tsc --strict) against the module's
// declarations and WeChat's official typings (miniprogram-api-typings): the
// seed page's sample, WeChat's onNeedPrivacyAuthorization sample, a
// subscription request, both calling conventions. `@ts-expect-error` lines are
// mistakes the declarations must refuse (tsc fails if one is accepted).
import {
  createWx,
  createRuntime,
  dispatchNeedPrivacyAuthorization,
  cancelNeedPrivacyAuthorization,
  MiniAppWx,
} from 'miniapp-auth';

declare function host(api: string, args: Record<string, unknown>): Promise<string>;

const wx: MiniAppWx = createWx(host);

// The official interface accepts it where WeChat's own wx is expected.
const official: Pick<WechatMiniprogram.Wx, 'authorize' | 'getSetting' | 'requestSubscribeMessage'> = wx;

// The seed page's sample.
wx.getSetting({
  success(res) {
    if (!res.authSetting['scope.record']) {
      wx.authorize({
        scope: 'scope.record',
        success() {
          // startRecord would run here.
        },
      });
    }
  },
});

async function promises(): Promise<void> {
  const setting = await wx.getSetting({ withSubscriptions: true });
  const mainSwitch: boolean = setting.subscriptionsSetting.mainSwitch;
  const kept = setting.subscriptionsSetting.itemSettings;
  // The official typings give getPrivacySetting no Promise form: callbacks.
  const needed = await new Promise<boolean>((resolve) =>
    wx.getPrivacySetting({ success: (res) => resolve(res.needAuthorization) })
  );
  const subscribed = await wx.requestSubscribeMessage({ tmplIds: ['TMPL_A'] });
  const choice: string = subscribed['TMPL_A'];
  // A failure carries WeChat's errCode (the host's 20001, the core's 10001, …).
  wx.requestSubscribeMessage({
    tmplIds: ['TMPL_A'],
    fail(res) {
      const code: number = res.errCode;
      console.log(code, res.errMsg);
    },
  });
  await official.authorize({ scope: 'scope.camera' });
  if (wx.canIUse('getSetting.object.withSubscriptions') && mainSwitch && needed) {
    console.log(kept, choice);
  }
  // @ts-expect-error: authorize needs its scope.
  await wx.authorize({});
  // @ts-expect-error: getSetting's withSubscriptions is a boolean.
  await wx.getSetting({ withSubscriptions: 'yes' });
}

// WeChat's onNeedPrivacyAuthorization sample.
const page = {
  resolvePrivacyAuthorization: undefined as
    | undefined
    | ((answer: { event: 'agree' | 'disagree' | 'exposureAuthorization'; buttonId?: string }) => void),
  onLoad() {
    wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
      console.log('triggered by ' + eventInfo.referrer);
      this.resolvePrivacyAuthorization = resolve;
    });
  },
  handleAgree() {
    this.resolvePrivacyAuthorization?.({ buttonId: 'agree-btn', event: 'agree' });
  },
};

// @ts-expect-error: the listener's answer is agree, disagree or exposureAuthorization.
wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'maybe' }));

// The host and the runtime.
const reporting: MiniAppWx = createWx(host, {
  onCallbackError(error, source) {
    const where: 'success' | 'fail' | 'complete' = source.callback;
    console.error(`thirdScriptError at api ${source.api} ${where} callback function`, error);
  },
});
// @ts-expect-error: onCallbackError is a function.
createWx(host, { onCallbackError: true });

async function hostSide(): Promise<void> {
  const answer = await dispatchNeedPrivacyAuthorization(wx, { referrer: 'authorize' });
  if (answer !== null && answer.event === 'cancelled') {
    // @ts-expect-error: an event the host ended carries no button.
    console.log(answer.buttonId);
    return; // the prompt is over: nothing to answer
  }
  if (answer !== null && answer.event === 'agree') {
    console.log(answer.buttonId);
  }
}

// The host's runtime: the mini app gets `runtime.wx`; the tap report stays here.
const runtime = createRuntime({ invoke: host, runtimeInvoke: host });
const runtimeWx: MiniAppWx = runtime.wx;
async function agreeButton(buttonId: string): Promise<void> {
  const recorded = await runtime.agreeButtonTapped(buttonId);
  console.log(recorded.errMsg);
  const answer = await runtime.dispatchNeedPrivacyAuthorization({ referrer: 'getLocation' });
  if (answer === null) runtime.cancelNeedPrivacyAuthorization();
}
// @ts-expect-error: the runtime's channel is required.
createRuntime({ invoke: host });
// @ts-expect-error: the mini app's wx cannot report a tap.
runtimeWx.agreeButtonTapped('agree-btn');

// The core gave up on the prompt (the bridge's `cancelled` event).
function onPromptCancelled(): void {
  cancelNeedPrivacyAuthorization(wx);
}

export { promises, page, hostSide, onPromptCancelled, reporting, agreeButton };
