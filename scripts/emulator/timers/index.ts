/**
 * Timer triggers of the local emulator.
 *
 * Reads `triggers` ({ name, type: 'timer', config: '<7-field cron>' }) from each
 * built function's config.json and fires the function with SOURCE `wx_trigger`
 * and the SCF timer event `{ Type: 'Timer', TriggerName, Time, Message }` when a
 * cron slot (UTC+8) is passed on the emulator clock: on every clock move and
 * on a real-time tick while running. A jump over many slots fires once.
 *
 *   installTimers(emu, opts?) → Timers
 *     POST /_local/triggers/:name   fire that function's trigger now (body { trigger? }) → its result
 *                                   (200 value | 500 { errCode, errMsg } | 404 when it has no timer trigger)
 *     GET  /_local/triggers          { data: [{ function, trigger, cron, next }], firings: [Firing] }
 */
import type { Emulator, HttpResult } from '../types';
import { builtFunctionNames, invokeDetailed, type InvocationOutcome } from '../functions';
import { functionConfig } from '../functions/pool';
import { triggerConfigError } from './config';
import { nextCronTime, parseCron, type CronSchedule } from './cron';

export { triggerConfigError } from './config';
export { parseCron, nextCronTime, cronMatches, CronError } from './cron';

export interface TimerTrigger {
  function: string;
  trigger: string;
  cron: string;
  schedule: CronSchedule;
  /** Emulator time up to which slots have been handled. */
  checkedUntil: number;
}

export interface Firing {
  function: string;
  trigger: string;
  /** The cron slot (ISO), or the emulator time for a manual firing. */
  slot: string;
  firedAt: string;
  manual: boolean;
  ok?: boolean;
  result?: unknown;
  error?: { errCode: number; errMsg: string };
  invocationId?: string;
}

export interface TimersOptions {
  /** Real-time check interval (ms). */
  tickMs?: number;
  /** Keep at most this many firings (default 1000). */
  keepFirings?: number;
  /** Log a line per firing. */
  echo?: boolean;
  /**
   * Fire due slots by themselves, when the clock moves and in real time
   * (default true). Tests that drive time by hand turn it off and fire with
   * POST /_local/triggers/<name>, so no sweep runs behind their back.
   */
  auto?: boolean;
}

export interface Timers {
  triggers(): TimerTrigger[];
  firings(): Firing[];
  /** Fire now (manual), resolves with the invocation's outcome. */
  fire(functionName: string, triggerName?: string): Promise<InvocationOutcome>;
  /** Checks due slots now (what clock moves and the ticker do). */
  check(): Promise<void>;
  /** Resolves when no firing is in flight. */
  idle(): Promise<void>;
  /** Re-reads the functions' config.json. */
  reload(): void;
}

const installed = new WeakMap<Emulator, Timers>();

export function timerEvent(trigger: string, atMs: number): Record<string, unknown> {
  return { Type: 'Timer', TriggerName: trigger, Time: new Date(Math.floor(atMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'), Message: '' };
}

export function installTimers(emu: Emulator, opts: TimersOptions = {}): Timers {
  const already = installed.get(emu);
  if (already) return already;
  let list: TimerTrigger[] = [];
  const firings: Firing[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  function reload(): void {
    lastReload = Date.now();
    const now = emu.clock.now();
    const previous = new Map(list.map((t) => [`${t.function}/${t.trigger}/${t.cron}`, t.checkedUntil]));
    const next: TimerTrigger[] = [];
    const dir = emu.functionsDir;
    for (const fn of builtFunctionNames(dir)) {
      const triggers = functionConfig(dir, fn).triggers;
      if (!Array.isArray(triggers)) continue;
      const refused = triggerConfigError(triggers);
      if (refused) {
        process.stderr.write(`[timers] ${fn}: ${refused}; no trigger deployed\n`);
        continue;
      }
      for (const t of triggers) {
        if (!t || t.type !== 'timer' || typeof t.config !== 'string') continue;
        const name = String(t.name ?? 'timer');
        try {
          const schedule = parseCron(t.config);
          next.push({ function: fn, trigger: name, cron: t.config, schedule, checkedUntil: previous.get(`${fn}/${name}/${t.config}`) ?? now });
        } catch (e: any) {
          process.stderr.write(`[timers] ${fn}/${name}: ${e?.message}; trigger ignored\n`);
        }
      }
    }
    list = next;
  }

  function record(f: Firing): void {
    firings.push(f);
    const keep = opts.keepFirings ?? 1000;
    if (firings.length > keep) firings.splice(0, firings.length - keep);
  }

  function run(t: Pick<TimerTrigger, 'function' | 'trigger'>, slotMs: number, manual: boolean): Promise<InvocationOutcome> {
    const firing: Firing = {
      function: t.function,
      trigger: t.trigger,
      slot: new Date(slotMs).toISOString(),
      firedAt: new Date(emu.clock.now()).toISOString(),
      manual,
    };
    record(firing);
    if (opts.echo) process.stdout.write(`[timers] ${t.function}/${t.trigger} slot ${firing.slot}${manual ? ' (manual)' : ''}\n`);
    const p = invokeDetailed(emu, t.function, timerEvent(t.trigger, slotMs), { source: 'wx_trigger' }).then((out) => {
      firing.ok = out.ok;
      firing.invocationId = out.id;
      if (out.ok) firing.result = out.value;
      else firing.error = { errCode: out.error!.errCode, errMsg: out.error!.errMsg };
      return out;
    });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  let lastReload = Date.now();
  async function check(): Promise<void> {
    if (closed) return;
    if (Date.now() - lastReload > 10_000) reload(); // picks up triggers of rebuilt functions
    const now = emu.clock.now();
    const started: Promise<unknown>[] = [];
    for (const t of list) {
      if (now < t.checkedUntil) t.checkedUntil = now; // the clock was set back: schedule from there
      const due = nextCronTime(t.schedule, t.checkedUntil);
      t.checkedUntil = Math.max(t.checkedUntil, now);
      if (due !== null && due <= now) started.push(run(t, due, false));
    }
    await Promise.all(started);
  }

  const timers: Timers = {
    triggers: () => list.slice(),
    firings: () => firings.slice(),
    fire(functionName, triggerName) {
      const t = list.find((x) => x.function === functionName && (!triggerName || x.trigger === triggerName));
      return run(t ?? { function: functionName, trigger: triggerName ?? 'manual' }, emu.clock.now(), true);
    },
    check,
    idle: async () => {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    reload,
  };
  installed.set(emu, timers);
  reload();

  const runCheck = () => {
    check().catch((e) => process.stderr.write(`[timers] check failed: ${e?.stack ?? e}\n`));
  };
  const auto = opts.auto !== false;
  const unsubscribe = auto ? emu.clock.onChange(runCheck) : () => undefined;
  const ticker = setInterval(auto ? runCheck : () => undefined, opts.tickMs ?? 1000);
  ticker.unref();

  emu.registerRoute('POST', '/_local/triggers/:name', async (_req, body, params): Promise<HttpResult> => {
    let input: any = {};
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return { status: 400, json: { errCode: 400, errMsg: 'body is not JSON' } };
    }
    const fn = params.name;
    if (!list.some((t) => t.function === fn)) reload();
    const t = list.find((x) => x.function === fn && (!input.trigger || x.trigger === input.trigger));
    if (!t) return { status: 404, json: { errCode: -504001, errMsg: `function ${fn} has no timer trigger${input.trigger ? ` named ${input.trigger}` : ''} in its config.json` } };
    const out = await timers.fire(fn, t.trigger);
    if (out.ok) return { status: 200, json: out.value ?? null };
    return { status: out.error!.kind === 'not-found' ? 404 : 500, json: { errCode: out.error!.errCode, errMsg: out.error!.errMsg } };
  });

  emu.registerRoute(
    'GET',
    '/_local/triggers',
    async (): Promise<HttpResult> => ({
      status: 200,
      json: {
        data: list.map((t) => {
          const next = nextCronTime(t.schedule, Math.max(t.checkedUntil, emu.clock.now()));
          return { function: t.function, trigger: t.trigger, cron: t.cron, next: next === null ? null : new Date(next).toISOString() };
        }),
        firings,
      },
    }),
  );

  emu.onClose(async () => {
    closed = true;
    unsubscribe();
    clearInterval(ticker);
    await timers.idle();
  });

  return timers;
}
