// The processes a browser test file starts (inspect servers, bridges): each is
// killed when the file's process exits, however it exits; and a watchdog ends
// a file stuck past its suites' timeouts (a hung browser call would otherwise
// keep node's runner waiting for the file forever: a timed-out test does not
// end the processes it started).
'use strict';

/** How long a browser test file may run before the watchdog ends it. */
const WATCHDOG_MS = 180_000;

const live = new Set();

process.on('exit', () => {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

setTimeout(() => {
  console.error(`watchdog: the file ran past ${WATCHDOG_MS / 1000} s; ending it and its processes`);
  process.exit(1);
}, WATCHDOG_MS).unref();

/** Tracks a child process until it exits; returns it. */
function track(child) {
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

module.exports = { track };
