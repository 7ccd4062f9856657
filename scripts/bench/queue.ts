/**
 * npm run bench:queue — reads that must not grow with the number of
 * after-sales, through the built functions in the emulator (declared
 * INDEXES, in memory), at 1k, 10k and 100k after-sales (the mix of
 * scripts/bench/scale.ts):
 *
 * - the staff work queue's first page (queryReturns list, scope merchant,
 *   20 items: soonest deadline first);
 * - the buyer's own list's first page (queryReturns list, scope mine);
 * - apply's repeated-request lookup (applyReturn apply sent again with the
 *   same requestId: found by (buyerOpenid, applyKey), answered unchanged).
 *
 * One emulator per size, RUNS rounds interleaved across the sizes (the
 * machine's load falls on all three alike): median duration inside the
 * function and documents the store read, and the 100k / 1k ratio (goal ≤ 1.5). Every query the product sent must have been
 * served by a declared index. Writes bench/results/queue.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO } from '../emulator/demo';
import { addAfterSales, load, median, r1, ROOT, startBench, template, type Bench, type Call, type Template } from './scale';

const RUNS = Number(process.env.QUEUE_RUNS) || 15;
/** BENCH_SCALE=10 divides every size (a quick dry run) */
const SCALE = Number(process.env.BENCH_SCALE) || 1;
const SIZES = [1_000, 10_000, 100_000].map((n) => n / SCALE);

async function main() {
  const benches = new Map<number, Bench>();
  try {
    const cases: Record<string, (b: Bench, t: Template) => Promise<Call>> = {
      'staff queue page (list merchant, 20)': (b) => b.call('queryReturns', { action: 'list', scope: 'merchant', limit: 20 }, DEMO.merchant),
      "buyer's list page (list mine, 20)": (b) => b.call('queryReturns', { action: 'list', scope: 'mine', limit: 20 }, DEMO.buyer),
      // the template after-sale was made by applyReturn with requestId 'bench-template': sent again, it is found, not made again
      "apply's repeated-request lookup": (b, t) =>
        b.call(
          'applyReturn',
          { action: 'apply', requestId: 'bench-template', orderId: t.order._id, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] },
          DEMO.buyer,
        ),
    };
    const templates = new Map<number, Template>();
    for (const n of SIZES) {
      const b = await startBench();
      benches.set(n, b);
      const t = await template(b);
      templates.set(n, t);
      await addAfterSales(b, t, n - 1);
      for (const run of Object.values(cases)) await run(b, t); // warm, and the first query after the bulk insert orders the indexes
    }
    const samples: Record<string, Map<number, { ms: number[]; examined: number[]; db: number[]; items?: number }>> = {};
    for (let round = 0; round < RUNS; round++) {
      for (const [name, run] of Object.entries(cases)) {
        for (const n of SIZES) {
          const t = templates.get(n)!;
          const c = await run(benches.get(n)!, t);
          if (!c.value.ok) throw new Error(`${name}: ${JSON.stringify(c.value.error)}`);
          if (name.startsWith('apply') && c.value.data.return.returnId !== t.ret._id) throw new Error('the repeat made a new after-sale');
          const per = (samples[name] ??= new Map());
          const s = per.get(n) ?? { ms: [], examined: [], db: [] };
          s.ms.push(c.ms);
          s.examined.push(c.examined);
          s.db.push(c.dbRequests);
          if (c.value.data.items) s.items = c.value.data.items.length;
          per.set(n, s);
        }
      }
    }
    const figures: Record<string, Record<number, { medianMs: number; runsMs: number[]; examined: number; dbRequests: number; items?: number }>> = {};
    const ratios: Record<string, number> = {};
    const examinedRatios: Record<string, number> = {};
    for (const [name, per] of Object.entries(samples)) {
      figures[name] = {};
      for (const n of SIZES) {
        const s = per.get(n)!;
        figures[name][n] = {
          medianMs: r1(median(s.ms)),
          runsMs: s.ms.map(r1),
          examined: median(s.examined),
          dbRequests: median(s.db),
          ...(s.items !== undefined ? { items: s.items } : {}),
        };
        console.log(`${name.padEnd(38)} ${n.toLocaleString('en').padStart(8)} after-sales: median ${r1(median(s.ms))} ms, ${median(s.examined)} documents read`);
      }
      ratios[name] = Math.round((figures[name][SIZES[2]].medianMs / figures[name][SIZES[0]].medianMs) * 100) / 100;
      examinedRatios[name] = Math.round((figures[name][SIZES[2]].examined / Math.max(1, figures[name][SIZES[0]].examined)) * 100) / 100;
    }
    const unindexed = [...benches.values()].flatMap((b) => b.emu.store.unindexedQueries().filter((q) => q.function));
    const result = {
      at: new Date().toISOString(),
      node: process.version,
      loadAverage: load(),
      runs: RUNS,
      method:
        'built functions in in-memory emulators with the declared INDEXES (one per size, rounds interleaved); durations inside the function; population mix in scripts/bench/scale.ts',
      figures,
      ratios100kTo1k: ratios,
      documentsReadRatios100kTo1k: examinedRatios,
      unindexedQueries: unindexed,
      goals: { ratio: { goal: '≤ 1.5', met: Object.values(ratios).every((r) => r <= 1.5) }, noUnindexedQueries: { met: unindexed.length === 0 } },
    };
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', 'queue.json'), JSON.stringify(result, null, 2) + '\n');
    for (const [name, r] of Object.entries(ratios)) console.log(`${name}: 100k/1k ${r} (goal ≤ 1.5; documents read ${examinedRatios[name]}×)`);
    console.log(`unindexed queries from the product: ${unindexed.length}; load average ${load().join(' ')} → bench/results/queue.json`);
  } finally {
    for (const b of benches.values()) await b.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
