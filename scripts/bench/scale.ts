/**
 * Shared by bench:sweep and bench:queue: the whole emulator in memory (the
 * built functions, the declared INDEXES, the demo shop) and a generator of
 * after-sales at scale, cloned from one made by the real applyReturn so every
 * document has exactly the product's shape.
 *
 * Mix of a generated population (per 100): 1 open with a deadline within the
 * next two days (PENDING_REVIEW), 2 waiting for the buyer's parcel
 * (AWAITING_SHIPMENT, 7 days), 1 DISPUTED (no deadline), the rest finished
 * (CLOSED, REFUNDED, CANCELLED; no deadline, no reminder). Orders and ledgers
 * are written for open after-sales only (finished ones are never read by the
 * sweep or the queue). Due items (deadline passed) are added on purpose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulator, type LocalEmulator } from '../emulator';
import { invokeDetailed } from '../emulator/functions';
import { demoSeed, DEMO } from '../emulator/demo';
import { C, INDEXES } from '../../cloudfunctions/core/data/collections';

export const ROOT = path.resolve(__dirname, '..', '..');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface Call {
  value: any;
  /** duration inside the function */
  ms: number;
  /** documents the emulator's store read to answer the invocation's queries */
  examined: number;
  dbRequests: number;
}

export interface Bench {
  emu: LocalEmulator;
  call(name: string, event: Record<string, unknown>, openid?: string, source?: string): Promise<Call>;
  close(): Promise<void>;
}

export async function startBench(): Promise<Bench> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aftersales-bench-'));
  const emu = await createEmulator({
    port: 0,
    dataDir,
    functionsDir: path.join(ROOT, 'build', 'cloudfunctions'),
    reset: true,
    persist: false,
    log: () => undefined,
    statsKeep: 200,
    timers: { tickMs: 3_600_000, auto: false },
  });
  for (const name of Object.values(C)) await emu.db.createCollection(name);
  for (const [coll, list] of Object.entries(INDEXES)) for (const ix of list) await emu.db.ensureIndex(coll, Object.keys(ix.keys), { unique: !!ix.unique });
  const seed = demoSeed(emu.clock.now());
  await fetch(`${emu.url}/_local/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(seed) });
  return {
    emu,
    async call(name, event, openid, source) {
      const before = emu.store.examined;
      const out = await invokeDetailed(emu, name, event, { openid, source });
      if (!out.ok) throw new Error(`${name} failed: ${JSON.stringify(out.error)}`);
      const rec = emu.stats.list().find((r) => r.id === out.id);
      return { value: out.value, ms: out.durationMs, examined: emu.store.examined - before, dbRequests: rec?.dbRequests ?? NaN };
    },
    async close() {
      await emu.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Template {
  ret: Record<string, any>;
  order: Record<string, any>;
  ledger: Record<string, any>;
}

/** One after-sale made by the real applyReturn (RETURN_REFUND of one unit), with its order and ledger. */
export async function template(b: Bench): Promise<Template> {
  const now = b.emu.clock.now();
  const order = {
    _id: 'OBENCH-T',
    buyerOpenid: DEMO.buyer,
    status: 'RECEIVED',
    paidAt: new Date(now - 3 * DAY),
    shippedAt: new Date(now - 2 * DAY),
    receivedAt: new Date(now - DAY),
    shippingFee: 0,
    payments: [{ outTradeNo: 'TBENCH-T', channel: 'WECHAT_PAY', amount: 6000, paidAt: new Date(now - 3 * DAY), kind: 'FULL' }],
    lines: [{ lineId: 'L1', skuId: 'SKU-B', title: '测试商品', quantity: 1, unitPrice: 6000, paidAmount: 6000 }],
  };
  await b.emu.db.insert('orders', [order]);
  const res = await b.call(
    'applyReturn',
    { action: 'apply', requestId: 'bench-template', orderId: order._id, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] },
    DEMO.buyer,
  );
  const id = res.value.data.return.returnId;
  const [ret] = await b.emu.db.find('returns', { _id: id });
  const [storedOrder] = await b.emu.db.find('orders', { _id: order._id });
  const [ledger] = await b.emu.db.find('ledgers', { _id: order._id });
  return { ret, order: storedOrder, ledger };
}

let seq = 0;

/** The load average of this machine (benchmarks share it). */
export function load(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/**
 * `n` after-sales in the population mix (or all due when `due`), each on its
 * own order: returns inserted for all, orders and ledgers for the open ones.
 */
export async function addAfterSales(b: Bench, t: Template, n: number, opts: { due?: boolean } = {}): Promise<void> {
  const now = b.emu.clock.now();
  const CHUNK = 2000;
  for (let start = 0; start < n; start += CHUNK) {
    const returns: Record<string, any>[] = [];
    const orders: Record<string, any>[] = [];
    const ledgers: Record<string, any>[] = [];
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      const k = ++seq;
      const id = `R2026BENCH${String(k).padStart(10, '0')}`;
      const orderId = `OBENCH${String(k).padStart(10, '0')}`;
      const buyer = k % 50 === 0 ? DEMO.buyer : `o_bench_buyer_${k % 997}`;
      const created = new Date(now - ((k * 7919) % (90 * DAY)) - HOUR);
      const bucket = k % 100;
      let status: string;
      let deadline: Date | null = null;
      let deadlineAction: string | null = null;
      let nextReminderAt: Date | null = null;
      if (opts.due) {
        status = 'PENDING_REVIEW';
        deadline = new Date(now - MINUTE - (i % 3600) * 1000);
        deadlineAction = 'autoApprove';
      } else if (bucket === 0) {
        status = 'PENDING_REVIEW';
        deadline = new Date(now + HOUR + ((k * 104729) % (47 * HOUR)));
        deadlineAction = 'autoApprove';
        nextReminderAt = new Date(deadline.getTime() - DAY);
      } else if (bucket <= 2) {
        status = 'AWAITING_SHIPMENT';
        deadline = new Date(now + DAY + ((k * 104729) % (6 * DAY)));
        deadlineAction = 'closeUnshipped';
        nextReminderAt = new Date(deadline.getTime() - DAY);
      } else if (bucket === 3) {
        status = 'DISPUTED';
      } else status = ['CLOSED', 'REFUNDED', 'CANCELLED'][k % 3];
      const open = !['CLOSED', 'REFUNDED', 'CANCELLED'].includes(status);
      if (nextReminderAt && nextReminderAt.getTime() <= now) nextReminderAt = new Date(now + HOUR);
      returns.push({
        ...structuredClone(t.ret),
        _id: id,
        orderId,
        buyerOpenid: buyer,
        applyKey: `bench-${k}`,
        status,
        deadline,
        deadlineAction,
        nextReminderAt,
        createdAt: created,
        updatedAt: created,
        statusEnteredAt: opts.due ? new Date(now - 2 * DAY - HOUR) : created,
        timeline: t.ret.timeline.map((e: any) => ({ ...e, at: created })),
        // a shop in its steady state: every outbox drained (the messages, the order's summary)
        outboxPending: false,
        eventsNoticed: (t.ret.events ?? []).length,
      });
      if (open) {
        const entry = { ...structuredClone(t.ledger.entries[t.ret._id]), returnId: id, status, applyKey: `bench-${k}` };
        ledgers.push({ ...structuredClone(t.ledger), _id: orderId, entries: { [id]: entry } });
        orders.push({
          ...structuredClone(t.order),
          _id: orderId,
          buyerOpenid: buyer,
          payments: [{ ...t.order.payments[0], outTradeNo: `TB${k}` }],
          afterSale: { L1: { returnId: id, status, version: 1 } },
          afterSaleLines: [{ lineId: 'L1', returnId: id, status, version: 1 }],
        });
      }
    }
    // straight into the store (the seed route would carry 100k documents over HTTP)
    b.emu.store.insert('returns', returns);
    if (orders.length) b.emu.store.insert('orders', orders);
    if (ledgers.length) b.emu.store.insert('ledgers', ledgers);
  }
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const r1 = (x: number) => Math.round(x * 10) / 10;
