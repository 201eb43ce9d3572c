// Run by tests/js/callback-errors.test.js in a node process of its own: loads
// bindings/js/miniapp-auth.js into a bare vm context — ECMAScript's built-ins
// and V8's own console (which prints nowhere): no setTimeout, no queueMicrotask,
// as in an engine embedded without a host's timers — and makes calls whose
// callbacks throw. No host hook is given, so the module must report the
// exceptions the engine's own way.
// Prints one line per thing that happened; the test reads them.
// Usage: node tests/js/bare-engine.js <module path>
'use strict';

const fs = require('node:fs');
const vm = require('node:vm');

const say = (line) => process.stdout.write(line + '\n');
// The engine's two reports of an error nobody caught.
process.on('unhandledRejection', (reason) => {
  say('unhandled rejection: ' + (reason instanceof Error ? reason.message : String(reason)));
});
process.on('uncaughtException', (error) => say('uncaught exception: ' + error.message));

const context = vm.createContext({});
vm.runInContext(fs.readFileSync(process.argv[2], 'utf8'), context);
say('globals: ' + vm.runInContext(
  "[typeof setTimeout, typeof queueMicrotask, typeof console].join(' ')", context));

const wx = context.MiniAppAuth.createWx((api) => ({ errMsg: api + ':ok' }));
wx.authorize({
  scope: 'scope.record',
  success() { throw new Error('thrown by success'); },
  complete() {
    say('complete ran');
    throw new Error('thrown by complete');
  },
});
wx.getSetting({
  success(res) { say('the next call answered: ' + res.errMsg); },
});
