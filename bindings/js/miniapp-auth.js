/**
 * miniapp-auth — the mini-app side (SPEC §7).
 *
 * The host injects this file into its mini-app runtime (as a plain script it
 * defines `MiniAppAuth`; with `require()` it is a CommonJS module) and builds the
 * `wx` authorization APIs over one function it wires to its native bridge:
 *
 *   const wx = MiniAppAuth.createWx((api, args) => nativeBridge.call(api, args));
 *
 * `invoke(api, args)` returns (a Promise of) the result object of SPEC §4, or its
 * JSON text. Each API follows WeChat's calling convention: `success` when
 * `errMsg` ends in ":ok", otherwise `fail`, then `complete` in both cases; when
 * none of the three callbacks is given the call returns a Promise that resolves
 * with the success result and rejects with the failure result. What a callback
 * throws is reported, not lost: to the host's hook,
 * `createWx(invoke, {onCallbackError})`, or else as an uncaught error
 * (`reportCallbackError`).
 *
 * The mini app's own privacy popup: `wx.onNeedPrivacyAuthorization(listener)`.
 * The host's runtime — the code that renders the page and its buttons, which
 * the mini app's scripts cannot reach — builds the `wx` with
 *
 *   const runtime = MiniAppAuth.createRuntime({invoke, runtimeInvoke});
 *   // hand runtime.wx to the mini app; keep runtime for yourself
 *
 * and reaches the listener with `runtime.dispatchNeedPrivacyAuthorization({referrer})`,
 * ends an event the listener never answered with
 * `runtime.cancelNeedPrivacyAuthorization()` once its prompt is over, and
 * reports a tap on `<button open-type="agreePrivacyAuthorization">` with
 * `runtime.agreeButtonTapped(buttonId)` over its own channel (`runtimeInvoke`).
 * As in WeChat's base library, a listener's `agree` counts only for a button
 * tapped during that event.
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) {
    module.exports = factory();
  } else {
    root.MiniAppAuth = factory();
  }
})(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  'use strict';

  /** The authorization APIs this module provides that go to the host. */
  var APIS = [
    'authorize',
    'getSetting',
    'openSetting',
    'authorizeForMiniProgram',
    'getPrivacySetting',
    'requirePrivacyAuthorize',
    'openPrivacyContract',
    'requestSubscribeMessage'
  ];

  /**
   * `wx.canIUse(schema)` knows these beyond the bare API names (WeChat's schema:
   * `${API}.${method}.${param}`).
   */
  var SCHEMAS = [
    'authorize.object.scope',
    'authorizeForMiniProgram.object.scope',
    'getSetting.object.withSubscriptions',
    'getSetting.success.authSetting',
    'getSetting.success.subscriptionsSetting',
    'getSetting.success.miniprogramAuthSetting',
    'openSetting.object.withSubscriptions',
    'openSetting.success.authSetting',
    'openSetting.success.subscriptionsSetting',
    'getPrivacySetting.success.needAuthorization',
    'getPrivacySetting.success.privacyContractName',
    'requestSubscribeMessage.object.tmplIds'
  ];

  /** What each `wx` made here needs later: its invoke, hook, privacy listener and events. */
  var STATE = new WeakMap();

  var CALLBACKS = ['success', 'fail', 'complete'];

  function isOk(result) {
    return !!result && typeof result.errMsg === 'string' && /:ok$/.test(result.errMsg);
  }

  /** The call's arguments without its callbacks (functions never cross the bridge). */
  function argsOf(options) {
    var args = {};
    Object.keys(options).forEach(function (key) {
      if (CALLBACKS.indexOf(key) < 0 && typeof options[key] !== 'function') {
        args[key] = options[key];
      }
    });
    return args;
  }

  /** Turns whatever `invoke` produced into a result object. */
  function normalize(api, value) {
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch (e) {
        return { errMsg: api + ':fail invalid result from the host' };
      }
    }
    if (!value || typeof value !== 'object' || typeof value.errMsg !== 'string') {
      return { errMsg: api + ':fail invalid result from the host' };
    }
    return value;
  }

  function transportFailure(api, error) {
    var reason = error && error.message ? error.message : String(error);
    return { errMsg: api + ':fail ' + reason };
  }

  /**
   * Reports an exception thrown by a mini app's success, fail or complete
   * callback, as WeChat's base library does: the call goes on (complete still
   * runs) and the exception becomes one of the mini app's script errors, which
   * WeChat hands to App.onError / wx.onError listeners and prints in the
   * console ("thirdScriptError … at api <name> success callback function").
   *
   * With the host's `onCallbackError(error, {api, callback})` hook (its
   * App.onError), that is all. Without one the exception is thrown uncaught
   * from a job of its own, where the runtime's global error handler sees it:
   * a microtask (queueMicrotask) when the engine has one, else a timer
   * (setTimeout). An engine with neither (a bare JSContext, a vm context) gets
   * an unhandled rejection of the exception itself, which is what its
   * embedder's rejection tracker sees (V8's PromiseRejectCallback, JSC's
   * JSGlobalContextSetUnhandledRejectionCallback) — never a ReferenceError about
   * a missing setTimeout in its place. Not console.error: an embedded engine's
   * console may print nowhere, and a host cannot route it to App.onError.
   */
  function reportCallbackError(onCallbackError, error, api, callback) {
    if (onCallbackError) {
      try {
        onCallbackError(error, { api: api, callback: callback });
        return;
      } catch (hookError) {
        error = hookError; // the hook's own failure is the one left to report
      }
    }
    var throwIt = function () {
      throw error;
    };
    if (typeof queueMicrotask === 'function') {
      queueMicrotask(throwIt);
    } else if (typeof setTimeout === 'function') {
      setTimeout(throwIt, 0);
    } else {
      Promise.reject(error);
    }
  }

  /** Runs one of the mini app's callbacks; what it throws is reported, not lost. */
  function runCallback(state, api, options, name, result) {
    var callback = options[name];
    if (typeof callback !== 'function') return;
    try {
      callback(result);
    } catch (error) {
      reportCallbackError(state.onCallbackError, error, api, name);
    }
  }

  function call(state, api, options) {
    var invoke = state.invoke;
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      options = {};
    }
    options = options || {};
    var hasCallback = CALLBACKS.some(function (name) {
      return typeof options[name] === 'function';
    });
    var settled = new Promise(function (resolve) {
      resolve(invoke(api, argsOf(options)));
    }).then(
      function (value) {
        return normalize(api, value);
      },
      function (error) {
        return transportFailure(api, error);
      }
    );
    if (!hasCallback) {
      return settled.then(function (result) {
        return isOk(result) ? result : Promise.reject(result);
      });
    }
    settled.then(function (result) {
      var name = isOk(result) ? 'success' : 'fail';
      runCallback(state, api, options, name, result);
      runCallback(state, api, options, 'complete', result);
    });
    return undefined;
  }

  /**
   * Builds the `wx` authorization APIs over `invoke(api, args)`.
   * @param {function(string, object): (object|string|Promise<object|string>)} invoke
   * @param {{onCallbackError: (function(*, {api: string, callback: string}): void|undefined)}} [options]
   *   `onCallbackError(error, {api, callback})`: the host's hook for what a mini
   *   app's success, fail or complete callback throws (WeChat hands it to
   *   App.onError); without it the exception is thrown uncaught (see
   *   reportCallbackError)
   * @returns {object} an object with authorize, getSetting, openSetting,
   *   authorizeForMiniProgram, getPrivacySetting, requirePrivacyAuthorize and
   *   openPrivacyContract
   */
  function createWx(invoke, options) {
    return buildWx(invoke, options).wx;
  }

  /** The `wx` over `invoke`, and its state (the runtime's part keeps it). */
  function buildWx(invoke, options) {
    if (typeof invoke !== 'function') {
      throw new TypeError('createWx needs an invoke(api, args) function');
    }
    var onCallbackError = options ? options.onCallbackError : undefined;
    if (onCallbackError !== undefined && typeof onCallbackError !== 'function') {
      throw new TypeError('createWx: onCallbackError must be a function');
    }
    var wx = {};
    var state = {
      invoke: invoke,
      onCallbackError: onCallbackError,
      privacyListener: null,
      /**
       * The privacy events waiting for the listener: each one's `cancel`, and
       * the agree buttons the runtime reported tapped during it (`tapped`).
       */
      pendingPrivacy: []
    };
    STATE.set(wx, state);
    APIS.forEach(function (api) {
      wx[api] = function (options) {
        return call(state, api, options);
      };
    });
    /**
     * `wx.canIUse(schema)`: whether this module provides the API (or, with a
     * longer schema, the parameter or result field) `schema` names.
     */
    wx.canIUse = function (schema) {
      if (typeof schema !== 'string') return false;
      var api = schema.split('.')[0];
      var provided = APIS.indexOf(api) >= 0 ||
        api === 'onNeedPrivacyAuthorization' || api === 'canIUse';
      return provided && (schema === api || SCHEMAS.indexOf(schema) >= 0);
    };
    /**
     * `wx.onNeedPrivacyAuthorization(listener)`: the mini app shows its own
     * privacy popup. The host reaches the listener through
     * `MiniAppAuth.dispatchNeedPrivacyAuthorization`; it is called with
     * `(resolve, eventInfo)`, `eventInfo.referrer` naming the API that needs the
     * agreement, and answers `resolve({event: 'agree' | 'disagree', buttonId})`
     * (`{event: 'exposureAuthorization'}` reports the popup shown and settles
     * nothing). A later registration replaces an earlier one, as in WeChat.
     * An event its listener never answers lasts until the host ends it
     * (`MiniAppAuth.cancelNeedPrivacyAuthorization`).
     */
    wx.onNeedPrivacyAuthorization = function (listener) {
      if (typeof listener !== 'function') {
        throw new TypeError('onNeedPrivacyAuthorization needs a listener function');
      }
      state.privacyListener = listener;
    };
    return { wx: wx, state: state };
  }

  function stateOf(wx) {
    var state = wx && typeof wx === 'object' ? STATE.get(wx) : undefined;
    if (!state) {
      throw new TypeError('not a wx object made by MiniAppAuth.createWx');
    }
    return state;
  }

  /**
   * For the host: lets the mini app's own privacy popup ask. Calls the listener
   * registered with `wx.onNeedPrivacyAuthorization` with `(resolve, eventInfo)`
   * and resolves with what it settled, `{event: 'agree' | 'disagree', buttonId}`;
   * resolves with `null` when the mini app registered no listener (the host then
   * shows its own popup). A listener that throws rejects. The event lasts until
   * the listener answers or the host ends it (`cancelNeedPrivacyAuthorization`).
   * @param {object} wx a `wx` made by `createWx`
   * @param {{referrer: string}} eventInfo
   * @returns {Promise<{event: string, buttonId: (string|undefined)}|null>}
   */
  function dispatchNeedPrivacyAuthorization(wx, eventInfo) {
    var state = stateOf(wx);
    var listener = state.privacyListener;
    if (!listener) {
      return Promise.resolve(null);
    }
    var info = { referrer: eventInfo && typeof eventInfo.referrer === 'string' ? eventInfo.referrer : '' };
    return new Promise(function (resolve, reject) {
      var settled = false;
      /** Ends the event once: false if it had ended already. */
      var pending = { cancel: cancel, tapped: [] };
      function end() {
        if (settled) return false;
        settled = true;
        var at = state.pendingPrivacy.indexOf(pending);
        if (at >= 0) state.pendingPrivacy.splice(at, 1);
        return true;
      }
      function cancel() {
        if (end()) resolve({ event: 'cancelled' });
      }
      function settle(result) {
        var event = result && result.event;
        if (event !== 'agree' && event !== 'disagree') {
          return; // exposureAuthorization, or anything else: not an answer
        }
        var buttonId = result.buttonId === undefined ? undefined : String(result.buttonId);
        if (event === 'agree' && (buttonId === undefined || pending.tapped.indexOf(buttonId) < 0)) {
          // WeChat: "为确保用户有同意的操作，基础库会检查对应的同意按钮是否被点击过".
          // No tap on that button during this event: no agreement, and no
          // answer either — the event stays pending (docs/behaviour.md).
          return;
        }
        if (!end()) return; // answered or ended already
        var answer = { event: event };
        if (buttonId !== undefined) answer.buttonId = buttonId;
        resolve(answer);
      }
      state.pendingPrivacy.push(pending);
      try {
        listener(settle, info);
      } catch (error) {
        if (end()) reject(error);
      }
    });
  }

  /**
   * For the host: ends the mini app's privacy events still waiting for their
   * listener's answer (each `dispatchNeedPrivacyAuthorization` promise resolves
   * with `{event: 'cancelled'}`; the listener's `resolve` answers nothing from
   * then on). Call it when the prompt that dispatched them is over without that
   * answer: the core gave up on it (its dialog bound, `dialog_timeout_ms`, which
   * fails the call "dialog timed out", errno 5; the bridge says `cancelled`), the
   * call was cancelled, or the mini app closed. WeChat documents no bound of its
   * own: a privacy API waits until `resolve` is called. The next privacy-gated
   * call dispatches a new event to the listener.
   * @param {object} wx a `wx` made by `createWx`
   */
  function cancelNeedPrivacyAuthorization(wx) {
    stateOf(wx).pendingPrivacy.slice().forEach(function (pending) {
      pending.cancel();
    });
  }

  /**
   * For the host's mini-app runtime: builds the mini app's `wx` and keeps what
   * only the runtime may do on an object the mini app never gets. Hand
   * `runtime.wx` to the mini app; keep `runtime`.
   * @param {{invoke: function(string, object): *, runtimeInvoke: function(string, object): *,
   *   onCallbackError: (function(*, {api: string, callback: string}): void|undefined)}} options
   *   `invoke`: the mini app's calls, wired to the host's bridge for a page's
   *   calls (the CLI bridge's default `"from":"page"`, Kotlin and Swift
   *   `handlePageCall`), which refuses the runtime's own; `runtimeInvoke`: the
   *   runtime's own calls (`agreePrivacyAuthorization`), wired to the runtime's
   *   channel (`"from":"runtime"`, `agreePrivacyAuthorization` of the engine)
   *   with the tap as the user gesture; `onCallbackError` as for `createWx`
   * @returns {{wx: object, agreeButtonTapped: function((string|undefined)): Promise<object>,
   *   dispatchNeedPrivacyAuthorization: function({referrer: string}): Promise<?object>,
   *   cancelNeedPrivacyAuthorization: function(): void}}
   */
  function createRuntime(options) {
    var invoke = options && options.invoke;
    var runtimeInvoke = options && options.runtimeInvoke;
    if (typeof runtimeInvoke !== 'function') {
      throw new TypeError('createRuntime needs a runtimeInvoke(api, args) function: the runtime\'s own channel');
    }
    var built = buildWx(invoke, { onCallbackError: options.onCallbackError });
    var wx = built.wx;
    var runtimeState = { invoke: runtimeInvoke, onCallbackError: built.state.onCallbackError };
    return {
      wx: wx,
      /**
       * The person tapped `<button open-type="agreePrivacyAuthorization">`
       * (`buttonId`: its id): the privacy events pending now may be answered
       * `agree` with that id, and the agreement is recorded through the
       * runtime's channel (as WeChat's button records it). Resolves with the
       * result of `agreePrivacyAuthorization`.
       */
      agreeButtonTapped: function (buttonId) {
        var id = buttonId === undefined ? undefined : String(buttonId);
        if (id !== undefined) {
          built.state.pendingPrivacy.forEach(function (pending) {
            pending.tapped.push(id);
          });
        }
        return call(runtimeState, 'agreePrivacyAuthorization', id === undefined ? {} : { buttonId: id });
      },
      /** `dispatchNeedPrivacyAuthorization` for this runtime's `wx`. */
      dispatchNeedPrivacyAuthorization: function (eventInfo) {
        return dispatchNeedPrivacyAuthorization(wx, eventInfo);
      },
      /** `cancelNeedPrivacyAuthorization` for this runtime's `wx`. */
      cancelNeedPrivacyAuthorization: function () {
        cancelNeedPrivacyAuthorization(wx);
      }
    };
  }

  return {
    createWx: createWx,
    createRuntime: createRuntime,
    dispatchNeedPrivacyAuthorization: dispatchNeedPrivacyAuthorization,
    cancelNeedPrivacyAuthorization: cancelNeedPrivacyAuthorization,
    APIS: APIS.slice()
  };
});
