/**
 * Per-invocation statistics. A worker runs one invocation at a time, so every
 * admin request that arrives on `/admin/w/<workerId>` belongs to the invocation
 * that worker is running (begin … end).
 */
import type { InvocationRecord, Stats } from './types';

export interface FunctionSummary {
  count: number;
  ok: number;
  failed: number;
  totalMs: number;
  avgMs: number;
  maxMs: number;
  dbRequests: number;
  avgDbRequests: number;
  maxDbRequests: number;
}

export interface StatsSummary {
  invocations: number;
  inFlight: number;
  /** invocations dropped from the kept window (the oldest go first) */
  dropped: number;
  byFunction: Record<string, FunctionSummary>;
  /** admin requests that arrived on a worker path while that worker ran no invocation */
  unattributed: Record<string, Record<string, number>>;
}

export interface EmulatorStats extends Stats {
  summary(): StatsSummary;
  /** the invocation a worker is running now, if any */
  current(workerId: string): InvocationRecord | undefined;
}

/** The real start time kept on a record (non-enumerable, so never in the stats JSON). */
function realStart(rec: InvocationRecord): number {
  return (rec as InvocationRecord & { _realStart: number })._realStart;
}

export function createStats(opts: { keep?: number; now?: () => number } = {}): EmulatorStats {
  const keep = opts.keep ?? 5000;
  const now = opts.now ?? Date.now;
  const running = new Map<string, InvocationRecord>();
  let finished: InvocationRecord[] = [];
  let dropped = 0;
  let unattributed: Record<string, Record<string, number>> = {};

  const isDb = (action: string) => action.startsWith('database.');

  return {
    begin(workerId, inv) {
      const prev = running.get(workerId);
      if (prev) {
        // a worker that starts again without ending: close the previous one as an error
        prev.durationMs = Date.now() - realStart(prev);
        prev.outcome = prev.outcome ?? 'error';
        push(prev);
      }
      const rec: InvocationRecord = {
        id: inv.id,
        function: inv.function,
        source: inv.source,
        openid: inv.openid,
        action: inv.action,
        startedAt: now(),
        dbRequests: 0,
        dbByAction: {},
        requests: 0,
        requestsByAction: {},
      };
      Object.defineProperty(rec, '_realStart', { value: Date.now(), enumerable: false });
      running.set(workerId, rec);
    },
    end(workerId, outcome) {
      const rec = running.get(workerId);
      if (!rec) return undefined;
      running.delete(workerId);
      rec.durationMs = Date.now() - realStart(rec);
      rec.outcome = outcome;
      push(rec);
      return rec;
    },
    count(workerId, action) {
      const rec = running.get(workerId);
      if (!rec) {
        const u = (unattributed[workerId] ??= {});
        u[action] = (u[action] ?? 0) + 1;
        return;
      }
      rec.requests = (rec.requests ?? 0) + 1;
      const by = (rec.requestsByAction ??= {});
      by[action] = (by[action] ?? 0) + 1;
      if (isDb(action)) {
        rec.dbRequests += 1;
        rec.dbByAction[action] = (rec.dbByAction[action] ?? 0) + 1;
      }
    },
    list() {
      return [...finished, ...running.values()].map((r) => ({ ...r, dbByAction: { ...r.dbByAction } }));
    },
    reset() {
      finished = [];
      dropped = 0;
      unattributed = {};
      // running invocations keep counting; they will be listed when they end
    },
    current(workerId) {
      return running.get(workerId);
    },
    summary() {
      const byFunction: Record<string, FunctionSummary> = {};
      for (const r of finished) {
        const s = (byFunction[r.function] ??= {
          count: 0,
          ok: 0,
          failed: 0,
          totalMs: 0,
          avgMs: 0,
          maxMs: 0,
          dbRequests: 0,
          avgDbRequests: 0,
          maxDbRequests: 0,
        });
        s.count += 1;
        if (r.outcome === 'ok') s.ok += 1;
        else s.failed += 1;
        const ms = r.durationMs ?? 0;
        s.totalMs += ms;
        s.maxMs = Math.max(s.maxMs, ms);
        s.dbRequests += r.dbRequests;
        s.maxDbRequests = Math.max(s.maxDbRequests, r.dbRequests);
      }
      for (const s of Object.values(byFunction)) {
        s.avgMs = s.count ? Math.round((s.totalMs / s.count) * 10) / 10 : 0;
        s.avgDbRequests = s.count ? Math.round((s.dbRequests / s.count) * 100) / 100 : 0;
      }
      return {
        invocations: finished.length,
        inFlight: running.size,
        dropped,
        byFunction,
        unattributed: JSON.parse(JSON.stringify(unattributed)),
      };
    },
  };

  function push(rec: InvocationRecord) {
    finished.push(rec);
    if (finished.length > keep) {
      const extra = finished.length - keep;
      finished = finished.slice(extra);
      dropped += extra;
    }
  }
}
