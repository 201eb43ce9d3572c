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
 * with the success result and rejects with the failure result.
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) {
    module.exports = factory();
  } else {
    root.MiniAppAuth = factory();
  }
})(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  'use strict';

  /** The authorization APIs this module provides. */
  var APIS = [
    'authorize',
    'getSetting',
    'openSetting',
    'authorizeForMiniProgram',
    'getPrivacySetting',
    'requirePrivacyAuthorize',
    'openPrivacyContract'
  ];

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

  /** Reports an exception thrown by a mini app's callback the way a runtime would. */
  function rethrowLater(error) {
    setTimeout(function () {
      throw error;
    }, 0);
  }

  function call(invoke, api, options) {
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
      try {
        var callback = isOk(result) ? options.success : options.fail;
        if (typeof callback === 'function') callback(result);
      } catch (error) {
        rethrowLater(error);
      } finally {
        try {
          if (typeof options.complete === 'function') options.complete(result);
        } catch (error) {
          rethrowLater(error);
        }
      }
    });
    return undefined;
  }

  /**
   * Builds the `wx` authorization APIs over `invoke(api, args)`.
   * @param {function(string, object): (object|string|Promise<object|string>)} invoke
   * @returns {object} an object with authorize, getSetting, openSetting,
   *   authorizeForMiniProgram, getPrivacySetting, requirePrivacyAuthorize and
   *   openPrivacyContract
   */
  function createWx(invoke) {
    if (typeof invoke !== 'function') {
      throw new TypeError('createWx needs an invoke(api, args) function');
    }
    var wx = {};
    APIS.forEach(function (api) {
      wx[api] = function (options) {
        return call(invoke, api, options);
      };
    });
    return wx;
  }

  return { createWx: createWx, APIS: APIS.slice() };
});
