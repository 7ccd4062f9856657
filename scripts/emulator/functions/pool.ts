/**
 * Worker pool of the local emulator: runs the esbuild bundles
 * (<functionsDir>/<name>/index.js) in forked Node processes, one invocation
 * per process at a time (as on SCF), a few warm processes per function and a
 * global cap suited to a small machine; the rest waits in a FIFO queue.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { environmentKey } from '../../../cloudfunctions/core/runtime/instance-cache';
import type { Emulator, InvocationRecord } from '../types';
import { invalidSource, jsonBytes, MAX_EVENT_BYTES, MAX_NESTING_DEPTH, MAX_RESPONSE_BYTES, nestingDepth } from '../limits';

const WORKER_DIR = typeof __dirname === 'string' ? __dirname : path.resolve('scripts/emulator/functions');
export const WORKER_SCRIPT = path.join(WORKER_DIR, 'worker.cjs');

/** Error codes the caller sees (wx-server-sdk TCB_ERR_CODE values, plus timeout). */
export const ERR = {
  INVALID_PARAM: -501007,
  FUNCTIONS_REQUEST_FAIL: -504001,
  FUNCTIONS_EXECUTE_FAIL: -504002,
  FUNCTIONS_TIMEOUT: -504003,
} as const;

export type FailureKind =
  | 'not-found'
  | 'error'
  | 'timeout'
  | 'network-guard'
  | 'crash'
  | 'load-error'
  | 'closed'
  /** refused before the function ran: bad SOURCE, event nested too deep */
  | 'invalid-request'
  /** refused before the function ran: event over MAX_EVENT_BYTES */
  | 'event-too-large'
  /** the function ran, its return value is over MAX_RESPONSE_BYTES */
  | 'response-too-large';

export interface Identity {
  openid?: string;
  appid?: string;
  unionid?: string;
  /** SOURCE chain, e.g. `wx_client`, `wx_client,scf`, `wx_trigger`, `wx_paycallback`. */
  source: string;
}

export interface InvocationContext extends Identity {
  id: string;
  function: string;
  workerId: string;
  pid?: number;
  startedAt: number;
}

export interface InvocationOutcome {
  id: string;
  function: string;
  ok: boolean;
  value?: unknown;
  error?: { errCode: number; errMsg: string; kind: FailureKind; host?: string; stack?: string };
  outcome: NonNullable<InvocationRecord['outcome']>;
  logs: string[];
  pid?: number;
  workerId?: string;
  cold: boolean;
  durationMs: number;
}

export interface PoolOptions {
  /** Warm processes per function (default 3). */
  perFunction?: number;
  /** Live processes over all functions (default 6: a 2-core machine). Nested calls may exceed it. */
  globalCap?: number;
  /** Echo the functions' stdout/stderr with a `[name:pid]` prefix. */
  echoLogs?: boolean | ((line: string) => void);
  /** Default timeout in seconds when config.json has none (3, as on the cloud); capped at 60. */
  defaultTimeoutSec?: number;
  /** Upper bound of `timeout` in config.json (60). */
  maxTimeoutSec?: number;
  /** Limit for loading a bundle (cold start), ms. */
  loadTimeoutMs?: number;
  /** SDK redirection env for a worker (TCB_CONTEXT_CNFG etc.). */
  sdkEnv: (emu: Emulator, workerId: string) => Record<string, string>;
  /** Extra environment for every worker. */
  workerEnv?: Record<string, string>;
  /** How many finished invocations keep their logs (default 500). */
  keepLogs?: number;
  /**
   * A folder for V8 code caches of the bundles (worker.cjs loadBundle): a process then loads its bundle without
   * parsing and compiling what an earlier one compiled. Off by default (a cold start as on the cloud); the test
   * harness sets it, since its hundreds of cold starts load the same nine bundles.
   */
  codeCacheDir?: string;
  /**
   * Keep the idle processes when this emulator closes, for the next emulator of this process (the test
   * harness: one jest worker runs many test files, each with its own emulator). Off by default.
   */
  bank?: ProcessBank;
}

/** The bundles' content hashes by file, kept while their mtime and size stay the same. */
const bundleHashes = new Map<string, { stamp: string; hash: string }>();

/** Which bundle is on disk now: a hash of its content ('' when there is none). A rebuild to the same bytes is the same bundle. */
function bundleIdentity(file: string): string {
  try {
    const st = statSync(file);
    const stamp = `${st.mtimeMs}:${st.size}`;
    const known = bundleHashes.get(file);
    if (known?.stamp === stamp) return known.hash;
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    bundleHashes.set(file, { stamp, hash });
    return hash;
  } catch {
    return '';
  }
}

/** What a banked process was running: whether its module may serve the next emulator (ProcessBank keepModules). */
export interface BankedModule {
  /** The bundle it loaded (bundleIdentity: a hash of its content). */
  bundle: string;
  /** The function's own environment variables (config.json envVariables, workerEnv), as one string. */
  configKey: string;
  /** Every environment its module has served (TCB_ENV|SCF_NAMESPACE, as its invocations saw them). */
  envIds: ReadonlySet<string>;
}

/**
 * Idle function processes kept between emulators of one process (PoolOptions.bank). A process taken from
 * the bank gets a new `init` with the next emulator's whole environment. By default it then loads its bundle
 * afresh: a new module instance, nothing of the previous one reachable (caches, SDK state), the invocation
 * counted as a cold start — only Node's own start-up is saved. With `keepModules`, a process whose bundle on
 * disk is the one it loaded (the same content: an identical rebuild is the same bundle) and whose function configuration (config.json
 * `envVariables`, the emulator's workerEnv) is the same keeps its module: a warm instance carried to the next
 * emulator, which must be another CloudBase environment (an envId the process never served), so that what the
 * module keeps per environment (core/runtime/instance-cache.ts) is never served to another database; its
 * first invocation there is not a cold start. Anything else loads afresh. Only a process that was idle and
 * healthy is banked (kept by its function's folder, at most `perFunction` each); banked processes never keep
 * this process alive, and die with it.
 */
export class ProcessBank {
  private readonly idle = new Map<string, { child: ChildProcess; module: BankedModule; release: () => void }[]>();
  private hooked = false;
  readonly keepModules: boolean;

  constructor(
    private readonly perFunction = 3,
    opts: { keepModules?: boolean } = {},
  ) {
    this.keepModules = opts.keepModules === true;
  }

  /** Whether put(key, child) would keep it: a live process, and room left for that function. */
  accepts(key: string, child: ChildProcess): boolean {
    return (this.idle.get(key)?.length ?? 0) < this.perFunction && child.connected && child.exitCode === null && child.signalCode === null;
  }

  /** Keeps `child` for the function folder `key` (one it accepts), with what its module ran. */
  put(key: string, child: ChildProcess, module: BankedModule): void {
    const list = this.idle.get(key) ?? [];
    if (!this.hooked) {
      this.hooked = true;
      process.once('exit', () => this.clear());
    }
    const drain = () => undefined;
    const gone = () => this.remove(key, child);
    child.stdout?.on('data', drain);
    child.stderr?.on('data', drain);
    child.once('exit', gone);
    setRef(child, false);
    list.push({
      child,
      module,
      release: () => {
        child.stdout?.off('data', drain);
        child.stderr?.off('data', drain);
        child.off('exit', gone);
        setRef(child, true);
      },
    });
    this.idle.set(key, list);
  }

  /**
   * A banked process for the function folder `key`, and whether its module serves `next` as a warm instance
   * (keepModules, the same bundle and configuration, an environment it never served); otherwise it loads afresh.
   */
  take(key: string, next: Omit<BankedModule, 'envIds'> & { envId: string }): { child: ChildProcess; keep: boolean; envIds: Set<string> } | undefined {
    const list = this.idle.get(key);
    if (!list?.length) return undefined;
    const keeps = (m: BankedModule) => this.keepModules && m.bundle === next.bundle && m.configKey === next.configKey && !m.envIds.has(next.envId);
    // the most recently banked of those whose module can serve, else the most recently banked (it loads afresh)
    let i = list.length - 1;
    while (i >= 0 && !keeps(list[i].module)) i--;
    const [entry] = list.splice(i >= 0 ? i : list.length - 1, 1);
    entry.release();
    const keep = i >= 0;
    return { child: entry.child, keep, envIds: keep ? new Set([...entry.module.envIds, next.envId]) : new Set([next.envId]) };
  }

  size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  clear(): void {
    for (const list of this.idle.values()) for (const { child } of list.splice(0)) child.kill('SIGKILL');
  }

  private remove(key: string, child: ChildProcess): void {
    const list = this.idle.get(key);
    const i = list?.findIndex((e) => e.child === child) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
  }
}

/** Whether a child process (its IPC channel and output pipes) keeps this process's event loop alive. */
type Refable = { ref?(): void; unref?(): void } | null | undefined;
function setRef(child: ChildProcess, on: boolean): void {
  // the output pipes are sockets (net.Socket: ref/unref), typed as plain streams
  const handles = [child, (child as unknown as { channel?: Refable }).channel, child.stdout, child.stderr] as Refable[];
  for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
}

interface Task {
  id: string;
  fn: string;
  event: unknown;
  identity: Identity;
  nested: boolean;
  enqueuedAt: number;
  settled: boolean;
  resolve: (o: InvocationOutcome) => void;
  worker?: PoolWorker;
  startedAt?: number;
  cold?: boolean;
  timer?: NodeJS.Timeout;
  logs: string[];
}

interface PoolWorker {
  id: string;
  fn: string;
  child: ChildProcess;
  pid?: number;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  task?: Task;
  lastUsed: number;
  invocations: number;
  timeoutMs: number;
  envName: string;
  exited: Promise<void>;
  loadTimer?: NodeJS.Timeout;
  /** SIGKILL sent: never handed another task, whatever it still sends. */
  dying?: boolean;
  /** What its module runs (the bundle it loaded: another bundle on disk retires the worker), for the bank. */
  module: BankedModule;
  /** Stops this pool listening to the process (before it goes to the bank). */
  detach?: () => void;
}

export interface WorkerInfo {
  id: string;
  function: string;
  pid?: number;
  state: PoolWorker['state'];
  invocations: number;
  current?: string;
}

const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

let seq = 0;
function nextId(prefix: string): string {
  seq = (seq + 1) % 1e9;
  return `${prefix}${Date.now().toString(36)}${seq.toString(36)}`;
}

export function functionConfig(functionsDir: string, name: string): Record<string, any> {
  const p = path.join(functionsDir, name, 'config.json');
  if (!existsSync(p)) return {};
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return {};
  }
}

export class FunctionPool {
  private readonly workers = new Map<string, PoolWorker>();
  private readonly queue: Task[] = [];
  private readonly running = new Map<string, Task>();
  private readonly logsById = new Map<string, InvocationOutcome>();
  private readonly perFunction: number;
  private readonly globalCap: number;
  private closed = false;
  private workerSeq = 0;
  private unsubscribeClock?: () => void;

  constructor(
    private readonly emu: Emulator,
    private readonly opts: PoolOptions,
  ) {
    this.perFunction = Math.max(1, opts.perFunction ?? 3);
    this.globalCap = Math.max(1, opts.globalCap ?? 6);
    this.unsubscribeClock = emu.clock.onChange(() => {
      const offset = emu.clock.offset();
      for (const w of this.workers.values()) {
        if (w.state !== 'dead' && w.child.connected) w.child.send({ type: 'clock', offset }, () => undefined);
      }
    });
  }

  exists(name: string): boolean {
    return NAME_RE.test(name) && existsSync(path.join(this.emu.functionsDir, name, 'index.js'));
  }

  /** The invocation a worker is running now (every admin request on its path belongs to it). */
  current(workerId: string): InvocationContext | undefined {
    const w = this.workers.get(workerId);
    const t = w?.task;
    if (!w || !t || w.state !== 'busy') return undefined;
    return { ...t.identity, id: t.id, function: t.fn, workerId: w.id, pid: w.pid, startedAt: t.startedAt ?? t.enqueuedAt };
  }

  workersInfo(): WorkerInfo[] {
    return [...this.workers.values()].map((w) => ({
      id: w.id,
      function: w.fn,
      pid: w.pid,
      state: w.state,
      invocations: w.invocations,
      current: w.task?.id,
    }));
  }

  queued(): number {
    return this.queue.length;
  }

  recentLogs(): InvocationOutcome[] {
    return [...this.logsById.values()];
  }

  outcome(id: string): InvocationOutcome | undefined {
    return this.logsById.get(id);
  }

  invoke(fn: string, event: unknown, identity: Identity, nested = false): Promise<InvocationOutcome> {
    return new Promise((resolve) => {
      const task: Task = {
        id: nextId('inv-'),
        fn,
        event,
        identity,
        nested,
        enqueuedAt: Date.now(),
        settled: false,
        resolve,
        logs: [],
      };
      if (this.closed) return this.settle(task, this.failure(task, 'closed', ERR.FUNCTIONS_REQUEST_FAIL, 'emulator is closing'));
      if (!this.exists(fn)) {
        // no machine path in the answer: the caller only learns the name
        return this.settle(task, this.failure(task, 'not-found', ERR.FUNCTIONS_REQUEST_FAIL, `function not found: ${fn} (not built: run npm run build)`));
      }
      const refused = this.precheck(event, identity);
      if (refused) return this.settle(task, this.failure(task, refused.kind, refused.errCode, refused.errMsg));
      this.queue.push(task);
      this.pump();
    });
  }

  /**
   * What the platform refuses before a function runs (docs/platform-limits.md):
   * an unknown SOURCE, an event nested deeper than MAX_NESTING_DEPTH (checked
   * without recursion: a 5,000-deep event must not overflow the stack), an
   * event over MAX_EVENT_BYTES.
   */
  private precheck(event: unknown, identity: Identity): { kind: FailureKind; errCode: number; errMsg: string } | undefined {
    const badSource = invalidSource(identity.source);
    if (badSource) return { kind: 'invalid-request', errCode: ERR.INVALID_PARAM, errMsg: `invalid parameters: ${badSource}` };
    if (nestingDepth(event, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) {
      return { kind: 'invalid-request', errCode: ERR.INVALID_PARAM, errMsg: `invalid parameters: the event is nested deeper than ${MAX_NESTING_DEPTH} levels` };
    }
    const bytes = jsonBytes(event);
    if (bytes === undefined) return { kind: 'invalid-request', errCode: ERR.INVALID_PARAM, errMsg: 'invalid parameters: the event is not serializable JSON' };
    if (bytes > MAX_EVENT_BYTES) {
      return {
        kind: 'event-too-large',
        errCode: ERR.FUNCTIONS_REQUEST_FAIL,
        errMsg: `EXCEED_MAX_PAYLOAD_SIZE: the event is ${bytes} bytes; a callFunction event may be at most ${MAX_EVENT_BYTES} bytes (put large data in cloud storage and pass its fileID)`,
      };
    }
    return undefined;
  }

  /** Stops the idle workers (of one function, or all): the next invocation cold-starts. */
  async stopIdle(fn?: string): Promise<number> {
    const victims = [...this.workers.values()].filter((w) => w.state === 'idle' && (!fn || w.fn === fn));
    const exits = victims.map((w) => w.exited);
    for (const w of victims) this.kill(w);
    await Promise.all(exits);
    return victims.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribeClock?.();
    for (const t of this.queue.splice(0)) this.settle(t, this.failure(t, 'closed', ERR.FUNCTIONS_REQUEST_FAIL, 'emulator closed'));
    const exits: Promise<void>[] = [];
    for (const w of this.workers.values()) {
      if (this.toBank(w)) continue;
      exits.push(w.exited);
      this.kill(w);
    }
    await Promise.all(exits);
  }

  /**
   * An idle, healthy worker goes to the bank (PoolOptions.bank), if there is one. At its next `init` it loads the
   * bundle from disk afresh — so a bundle rebuilt meanwhile (npm test's build test rebuilds them mid-run) is what it
   * runs — unless the bank keeps its module (ProcessBank keepModules: the same bundle, configuration, a new environment).
   */
  private toBank(w: PoolWorker): boolean {
    const bank = this.opts.bank;
    if (!bank || w.state !== 'idle' || w.dying) return false;
    // kept by its function's folder: its working directory since the fork
    const key = path.join(this.emu.functionsDir, w.fn);
    if (!bank.accepts(key, w.child)) return false;
    w.detach?.();
    bank.put(key, w.child, w.module);
    w.state = 'dead';
    this.workers.delete(w.id);
    return true;
  }

  // ------------------------------------------------------------------ scheduling

  private liveCount(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.state !== 'dead') n++;
    return n;
  }

  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.queue.length; ) {
      const task = this.queue[i];
      const w = this.placeFor(task);
      if (!w) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      if (w === 'spawned') continue;
      this.dispatch(w, task);
    }
  }

  /** The function's bundle as it is on disk now (bundleIdentity). */
  private bundle(fn: string): string {
    return bundleIdentity(path.join(this.emu.functionsDir, fn, 'index.js'));
  }

  /** An idle worker for the task, or 'spawned' when a cold start was begun for it, or null (wait). */
  private placeFor(task: Task): PoolWorker | 'spawned' | null {
    // `npm run build` while running: workers of another bundle are retired when idle (an identical rebuild is the same bundle).
    const bundle = this.bundle(task.fn);
    for (const w of this.workers.values()) {
      if (w.fn === task.fn && w.state === 'idle' && !w.dying && w.module.bundle !== bundle) this.kill(w);
    }
    const mine = [...this.workers.values()].filter((w) => w.fn === task.fn && w.state !== 'dead');
    const idle = mine.filter((w) => w.state === 'idle' && !w.dying).sort((a, b) => b.lastUsed - a.lastUsed)[0];
    if (idle) return idle;
    if (mine.length >= this.perFunction) return null;
    if (this.liveCount() >= this.globalCap && !task.nested) {
      // Make room: stop the least recently used idle worker of another function.
      const victim = [...this.workers.values()].filter((w) => w.state === 'idle' && !w.dying && w.fn !== task.fn).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!victim) return null;
      this.kill(victim);
    }
    this.spawn(task);
    return 'spawned';
  }

  private spawn(task: Task): void {
    const fn = task.fn;
    const id = `${fn}-${++this.workerSeq}`;
    const dir = path.join(this.emu.functionsDir, fn);
    const config = functionConfig(this.emu.functionsDir, fn);
    const maxSec = this.opts.maxTimeoutSec ?? 60;
    const sec = Math.min(Number(config.timeout) > 0 ? Number(config.timeout) : (this.opts.defaultTimeoutSec ?? 3), maxSec);
    // the function's own environment variables: config.json `envVariables` (what the deploy sets as the
    // function's 环境变量, scripts/deploy/plan.ts) and the emulator's workerEnv (as set in the console)
    const functionEnv: Record<string, string> = {
      ...Object.fromEntries(Object.entries((config.envVariables ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
      ...(this.opts.workerEnv ?? {}),
    };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      SCF_FUNCTIONNAME: fn,
      SCF_FUNCTIONVERSION: '$LATEST',
      SCF_RUNTIME: 'Nodejs16.13',
      SCF_FUNCTIONMEMORYSIZE: '256',
      ...functionEnv,
      ...this.opts.sdkEnv(this.emu, id),
    };
    const bundle = this.bundle(fn);
    const configKey = JSON.stringify(functionEnv);
    // the environment as the module sees it (the key the functions' own per-environment caches use)
    const envId = environmentKey(env);
    const banked = this.opts.bank?.take(dir, { bundle, configKey, envId });
    const child =
      banked?.child ??
      fork(WORKER_SCRIPT, [], {
        cwd: dir,
        env,
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
    let onExit!: () => void;
    const exited = new Promise<void>((r) => (onExit = r));
    const w: PoolWorker = {
      id,
      fn,
      child,
      pid: child.pid,
      state: 'starting',
      task,
      lastUsed: Date.now(),
      invocations: 0,
      timeoutMs: sec * 1000,
      envName: env.TCB_ENV ?? env.SCF_NAMESPACE ?? 'local',
      module: { bundle, configKey, envIds: banked?.envIds ?? new Set([envId]) },
      exited,
    };
    task.worker = w;
    // a cold start, unless the worker answers that it kept its module (ProcessBank keepModules): a warm instance
    task.cold = true;
    this.workers.set(id, w);
    const unpipe = [this.pipeLogs(w, child.stdout, ''), this.pipeLogs(w, child.stderr, '[stderr] ')];
    const message = (m: any) => this.onMessage(w, m);
    const error = () => undefined;
    const exit = (code: number | null, signal: NodeJS.Signals | null) => {
      this.onExit(w, code, signal);
      onExit();
    };
    child.on('message', message);
    child.on('error', error);
    child.on('exit', exit);
    w.detach = () => {
      for (const off of unpipe) off();
      child.off('message', message);
      child.off('error', error);
      child.off('exit', exit);
    };
    w.loadTimer = setTimeout(() => {
      if (w.state === 'starting' && w.task) {
        const t = w.task;
        this.settle(t, this.failure(t, 'load-error', ERR.FUNCTIONS_EXECUTE_FAIL, `function ${fn} did not load within ${this.opts.loadTimeoutMs ?? 30000} ms`));
        this.kill(w);
      }
    }, this.opts.loadTimeoutMs ?? 30000);
    child.send(
      {
        type: 'init',
        bundle: path.join(dir, 'index.js'),
        functionName: fn,
        workerId: id,
        offset: this.emu.clock.offset(),
        codeCacheDir: this.opts.codeCacheDir,
        // a banked process takes this emulator's environment, then loads its bundle again or keeps its module
        ...(banked ? { env, keepModule: banked.keep } : {}),
      },
      () => undefined,
    );
  }

  /** Reads a worker's output (echoed when asked); returns what stops reading it. */
  private pipeLogs(w: PoolWorker, stream: NodeJS.ReadableStream | null, prefix: string): () => void {
    if (!stream) return () => undefined;
    const echo = this.opts.echoLogs;
    let rest = '';
    stream.setEncoding('utf8');
    const onData = (chunk: string) => {
      if (!echo) return; // still drained, so the child never blocks
      const text = rest + chunk;
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const out = `[${w.fn}:${w.pid}] ${prefix}${line}`;
        if (typeof echo === 'function') echo(out);
        else process.stdout.write(out + '\n');
      }
    };
    stream.on('data', onData);
    return () => stream.off('data', onData);
  }

  private dispatch(w: PoolWorker, task: Task): void {
    w.state = 'busy';
    w.task = task;
    task.worker = w;
    if (task.cold === undefined) task.cold = false;
    task.startedAt = Date.now();
    w.invocations++;
    this.running.set(task.id, task);
    const eventAction = task.event && typeof task.event === 'object' ? (task.event as { action?: unknown }).action : undefined;
    const action = typeof eventAction === 'string' ? eventAction : undefined;
    this.emu.stats.begin(w.id, { id: task.id, function: task.fn, source: task.identity.source, openid: task.identity.openid, action });
    task.timer = setTimeout(() => {
      const secs = w.timeoutMs / 1000;
      this.settle(task, this.failure(task, 'timeout', ERR.FUNCTIONS_TIMEOUT, `Invoking task timed out after ${secs} seconds (function ${task.fn}; config.json timeout)`));
      this.kill(w);
    }, w.timeoutMs);
    const env = identityEnv(task.identity);
    const context = {
      request_id: task.id,
      function_name: task.fn,
      function_version: '$LATEST',
      namespace: w.envName,
      memory_limit_in_mb: 256,
      time_limit_in_ms: w.timeoutMs,
      environment: JSON.stringify(env),
    };
    w.child.send({ type: 'invoke', id: task.id, event: task.event, context, env, offset: this.emu.clock.offset() }, (err) => {
      if (err) {
        this.settle(task, this.failure(task, 'crash', ERR.FUNCTIONS_EXECUTE_FAIL, `could not reach the worker of ${task.fn}: ${err.message}`));
        this.kill(w);
      }
    });
  }

  private onMessage(w: PoolWorker, m: any): void {
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'ready': {
        if (w.loadTimer) clearTimeout(w.loadTimer);
        w.pid = m.pid ?? w.pid;
        const task = w.task;
        if (w.dying) break;
        if (task && !task.settled && w.state === 'starting') {
          if (m.kept === true) task.cold = false;
          task.logs.push(...(m.logs ?? []));
          this.dispatch(w, task);
        } else if (w.state === 'starting') {
          w.state = 'idle';
          w.task = undefined;
          this.pump();
        }
        break;
      }
      case 'load-error': {
        const task = w.task;
        if (task) {
          task.logs.push(...(m.logs ?? []));
          this.settle(task, this.failure(task, 'load-error', ERR.FUNCTIONS_EXECUTE_FAIL, `function ${w.fn} failed to load: ${m.error?.message}`, m.error?.stack));
        }
        this.kill(w);
        break;
      }
      case 'result': {
        const task = w.task;
        if (!task || task.id !== m.id) break;
        task.logs.push(...(m.logs ?? []));
        const size = m.ok ? jsonBytes(m.value) : 0;
        if (m.ok && size !== undefined && size > MAX_RESPONSE_BYTES) {
          this.settle(
            task,
            this.failure(
              task,
              'response-too-large',
              ERR.FUNCTIONS_EXECUTE_FAIL,
              `the function's return value is ${size} bytes; a function may return at most ${MAX_RESPONSE_BYTES} bytes (6 MB)`,
            ),
          );
        } else if (m.ok) this.settle(task, this.success(task, m.value));
        else {
          const e = m.error ?? {};
          this.settle(
            task,
            this.failure(task, 'error', ERR.FUNCTIONS_EXECUTE_FAIL, `${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message ?? 'unknown error'}`, e.stack),
          );
        }
        this.release(w);
        break;
      }
      case 'guard': {
        const task = w.task;
        const where = m.port !== null && m.port !== undefined ? `${m.host}:${m.port}` : m.host;
        const msg = `network guard: function ${w.fn} tried to reach ${where} (${m.via}); only 127.0.0.1 is reachable under the emulator`;
        if (task && !task.settled) {
          task.logs.push(`[emulator] ${msg}`);
          this.settle(task, {
            ...this.failure(task, 'network-guard', ERR.FUNCTIONS_EXECUTE_FAIL, msg),
            error: { errCode: ERR.FUNCTIONS_EXECUTE_FAIL, errMsg: msg, kind: 'network-guard', host: String(m.host) },
          });
        } else {
          process.stderr.write(`[emulator] ${msg} (outside an invocation)\n`);
        }
        // Whatever the function does next (catch and carry on) must not happen.
        this.kill(w);
        break;
      }
      case 'fatal': {
        const task = w.task;
        if (task && !task.settled && (m.id === null || m.id === task.id)) {
          task.logs.push(...(m.logs ?? []));
          this.settle(task, this.failure(task, 'crash', ERR.FUNCTIONS_EXECUTE_FAIL, m.error?.message ?? 'worker crashed', m.error?.stack));
        }
        this.kill(w);
        break;
      }
      default:
        break;
    }
  }

  private onExit(w: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    const wasStarting = w.state === 'starting';
    w.state = 'dead';
    if (w.loadTimer) clearTimeout(w.loadTimer);
    const task = w.task;
    if (task && !task.settled) {
      this.settle(
        task,
        this.failure(task, wasStarting ? 'load-error' : 'crash', ERR.FUNCTIONS_EXECUTE_FAIL, `worker of ${w.fn} exited (${signal ?? 'code ' + code}) during the invocation`),
      );
    }
    w.task = undefined;
    this.workers.delete(w.id);
    this.pump();
  }

  private release(w: PoolWorker): void {
    if (w.state === 'dead' || w.dying) return;
    w.task = undefined;
    w.state = 'idle';
    w.lastUsed = Date.now();
    this.pump();
  }

  private kill(w: PoolWorker): void {
    w.dying = true;
    if (w.state !== 'dead' && w.child.exitCode === null && w.child.signalCode === null) {
      try {
        w.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (w.state === 'idle') w.state = 'dead';
  }

  // ------------------------------------------------------------------ outcomes

  private success(task: Task, value: unknown): InvocationOutcome {
    return {
      id: task.id,
      function: task.fn,
      ok: true,
      value,
      outcome: 'ok',
      logs: task.logs,
      pid: task.worker?.pid,
      workerId: task.worker?.id,
      cold: !!task.cold,
      durationMs: Date.now() - (task.startedAt ?? task.enqueuedAt),
    };
  }

  private failure(task: Task, kind: FailureKind, errCode: number, errMsg: string, stack?: string): InvocationOutcome {
    const outcome: InvocationOutcome['outcome'] = kind === 'timeout' ? 'timeout' : kind === 'network-guard' ? 'network-guard' : 'error';
    return {
      id: task.id,
      function: task.fn,
      ok: false,
      error: { errCode, errMsg, kind, stack },
      outcome,
      logs: task.logs,
      pid: task.worker?.pid,
      workerId: task.worker?.id,
      cold: !!task.cold,
      durationMs: Date.now() - (task.startedAt ?? task.enqueuedAt),
    };
  }

  private settle(task: Task, outcome: InvocationOutcome): void {
    if (task.settled) return;
    task.settled = true;
    if (task.timer) clearTimeout(task.timer);
    this.running.delete(task.id);
    const w = task.worker;
    if (w && task.startedAt !== undefined) {
      const rec = this.emu.stats.end(w.id, outcome.outcome) as (InvocationRecord & { logs?: string[]; error?: unknown }) | undefined;
      if (rec) {
        rec.logs = outcome.logs;
        if (outcome.error) rec.error = { errCode: outcome.error.errCode, errMsg: outcome.error.errMsg };
      }
    }
    this.logsById.set(task.id, outcome);
    const keep = this.opts.keepLogs ?? 500;
    while (this.logsById.size > keep) this.logsById.delete(this.logsById.keys().next().value as string);
    task.resolve(outcome);
  }
}

/** What getWXContext() reads: WX_CONTEXT_KEYS names the WX_* variables; TCB_SOURCE is the SOURCE. */
export function identityEnv(id: Identity): Record<string, string> {
  const env: Record<string, string> = {};
  const keys: string[] = [];
  const put = (k: string, v: string | undefined) => {
    keys.push(k);
    if (v !== undefined && v !== '') env[k] = v;
  };
  put('WX_OPENID', id.openid);
  put('WX_APPID', id.appid);
  put('WX_UNIONID', id.unionid);
  env.WX_CONTEXT_KEYS = keys.join(',');
  env.TCB_SOURCE = id.source;
  return env;
}
