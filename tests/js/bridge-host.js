// A host for the JS tests: runs the real `miniapp-auth bridge` over pipes and
// answers its dialogs from a script (the person in front of the dialog).
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.MINIAPP_AUTH_BIN || path.join(ROOT, 'target', 'debug', 'miniapp-auth');

class BridgeHost {
  /**
   * @param {string[]} answers decisions for dialogs, in order ("allow", "agree", ...).
   * @param {{bridgeArgs?: string[]}} options more arguments for `miniapp-auth bridge`
   *   (its policy knobs, e.g. `--dialog-timeout-ms`).
   */
  constructor(answers = [], options = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-auth-js-'));
    this.answers = answers.slice();
    this.events = [];
    this.calls = [];
    this.nextId = 1;
    this.waiting = new Map();
    this.settingsAnswer = (authSetting) => authSetting;
    /**
     * When set: (privacy event) => Promise of {event, buttonId} or null (the host's
     * own popup); an answer {event: 'cancelled'} (the prompt was given up) is not sent.
     */
    this.privacyHandler = null;
    /**
     * When set: (consent event) => the answer's fields ({decision, agreePrivacy}):
     * a combined dialog's (its event carries `privacyContract`) checkbox.
     */
    this.consentAnswer = null;
    /** When set: ({event: 'cancelled', prompt}) => void — the core gave up on a prompt. */
    this.cancelHandler = null;
    /** When an array: every call and its real result are recorded in it. */
    this.transcript = null;
    /** (tmplIds) => {subscriptions: {id: choice}, keep}, {appBanned: true} or {errCode: N}. */
    this.subscribeAnswer = (tmplIds) => ({
      subscriptions: Object.fromEntries(tmplIds.map((id) => [id, 'reject'])),
      keep: false,
    });
    this.db = path.join(this.dir, 'auth.db');
    this.child = spawn(BIN, ['bridge', '--db', this.db, ...(options.bridgeArgs || [])], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
  }

  send(object) {
    this.child.stdin.write(JSON.stringify(object) + '\n');
  }

  onLine(line) {
    const message = JSON.parse(line);
    if (message.event) {
      this.events.push(message);
      if (message.event === 'settings') {
        this.send({ prompt: message.prompt, authSetting: this.settingsAnswer(message.authSetting) });
      } else if (message.event === 'subscribe') {
        // The person's choice per template, from the script (default: reject all).
        this.send({ prompt: message.prompt, ...this.subscribeAnswer(message.tmplIds) });
      } else if (message.event === 'privacy' && this.privacyHandler) {
        // The host lets the mini app's own popup answer, or shows its own.
        Promise.resolve(this.privacyHandler(message)).then((answer) => {
          if (answer && answer.event === 'cancelled') return;
          const decision = answer ? answer.event : this.answers.shift() || 'dismiss';
          const reply = { prompt: message.prompt, decision };
          if (answer && answer.buttonId !== undefined) reply.buttonId = answer.buttonId;
          this.send(reply);
        });
      } else if (message.event === 'consent' && this.consentAnswer) {
        this.send({ prompt: message.prompt, ...this.consentAnswer(message) });
      } else if (message.event === 'cancelled') {
        if (this.cancelHandler) this.cancelHandler(message);
      } else if (message.prompt !== undefined) {
        this.send({ prompt: message.prompt, decision: this.answers.shift() || 'dismiss' });
      }
      return;
    }
    const pending = this.waiting.get(message.id);
    if (pending) {
      this.waiting.delete(message.id);
      if (message.error) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    }
  }

  register(app, manifest) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.send({ id, op: 'register', app, manifest });
    });
  }

  /**
   * An `invoke(api, args)` for one user and app, as the host's JS bridge wires
   * it: the mini app's page calls (the bridge's default, `"from":"page"`).
   */
  invoker(user, app, options = {}) {
    return (api, args) => {
      const id = this.nextId++;
      this.calls.push({ api, args });
      const tap = !!(options.tap && options.tap());
      return new Promise((resolve, reject) => {
        this.waiting.set(id, {
          resolve: (r) => {
            if (this.transcript) this.transcript.push({ api, args, tap, result: r });
            resolve(options.asText ? JSON.stringify(r) : r);
          },
          reject,
        });
        const line = { id, user, app, api, args, tap };
        if (options.plugin) line.plugin = options.plugin;
        if (options.from) line.from = options.from;
        this.send(line);
      });
    };
  }

  /**
   * The runtime's own channel for one user and app (`"from":"runtime"`, a tap):
   * what `createRuntime`'s `runtimeInvoke` is wired to. The mini app's code
   * never holds it.
   */
  runtimeInvoker(user, app) {
    return this.invoker(user, app, { from: 'runtime', tap: () => true });
  }

  /**
   * The host's runtime for one user and app, made with the module's
   * `createRuntime` and wired as a host wires it: privacy prompts go to the
   * mini app's listener (each dispatch's promise kept in `this.dispatched`),
   * and a prompt the core gave up on ends the mini app's event.
   */
  mountRuntime(createRuntime, user, app) {
    const runtime = createRuntime({
      invoke: this.invoker(user, app),
      runtimeInvoke: this.runtimeInvoker(user, app),
    });
    this.dispatched = [];
    this.privacyHandler = (event) => {
      const answer = runtime.dispatchNeedPrivacyAuthorization({ referrer: event.referrer });
      this.dispatched.push(answer);
      return answer;
    };
    this.cancelHandler = () => runtime.cancelNeedPrivacyAuthorization();
    return runtime;
  }

  async close() {
    this.child.stdin.end();
    const code = await this.exited;
    fs.rmSync(this.dir, { recursive: true, force: true });
    return code;
  }
}

module.exports = { BridgeHost, BIN };
