/**
 * Database round trips per action (issue 14's goals: ≤ 3 for apply, ≤ 2 per
 * buyer or staff transition, ≤ 6 for receipt with its refund, ≤ 4 per refund
 * notification), read from the emulator's per-invocation stats. Every
 * function is warmed first (settings and staff are cached per warm instance,
 * as on the cloud); each run's refund flow is on an order of its own, so the
 * measured apply is an order's first and its refund is not FREQUENCY_LIMITED.
 *   npx tsx scripts/bench/requests.ts   → bench/results/requests.json + a table
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulator } from '../emulator';
import { demoSeed, DEMO } from '../emulator/demo';
import { C } from '../../cloudfunctions/core/data/collections';

const root = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aftersales-bench-'));
  const emu = await createEmulator({ port: 0, dataDir, functionsDir: path.join(root, 'build', 'cloudfunctions'), reset: true, persist: false });
  for (const name of Object.values(C)) await emu.db.createCollection(name);
  const url = emu.url;
  const post = async (p: string, body: unknown, headers: Record<string, string> = {}) =>
    (await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<any>;
  const seed = demoSeed(emu.clock.now());
  await post('/_local/seed', seed);
  // The refund flow runs on its own copy of O1003 (own payment) in each run: two refunds of one payment
  // within a minute are refused by the pay sandbox (FREQUENCY_LIMITED), which would leave the second run's refund unsent.
  const o1003 = (seed.orders as Record<string, any>[]).find((o) => o._id === 'O1003')!;
  let runs = 0;
  let n = 0;
  const call = async (fn: string, openid: string, event: Record<string, unknown>, source?: string) => {
    const res = await post(`/functions/${fn}`, event, { 'x-wx-openid': openid, ...(source ? { 'x-wx-source': source } : {}) });
    const invs = emu.stats.list();
    const last = [...invs].reverse().find((i) => i.function === fn)!;
    return { res, inv: last };
  };
  const rows: { action: string; dbRequests: number; byAction: Record<string, number>; note: string }[] = [];
  let recording = false;
  const rec = (action: string, r: { res: any; inv: any }, note = '') => {
    if (r.res?.ok === false || r.res?.errCode) throw new Error(`${action}: ${JSON.stringify(r.res)}`);
    if (process.env.BENCH_DEBUG) console.log(action, r.res?.data?.return?.status ?? '');
    if (recording) rows.push({ action, dbRequests: r.inv.dbRequests, byAction: r.inv.dbByAction, note });
    return r.res?.data;
  };
  const id = () => `bench-${++n}-${Date.now().toString(36)}`;

  // The same scenario twice: the first run warms every function instance (and
  // its settings cache), the second is measured.
  const scenario = async () => {
    const orderId = `OB${++runs}`;
    await post('/_local/seed', { orders: [{ ...o1003, _id: orderId, payments: o1003.payments.map((p: Record<string, unknown>) => ({ ...p, outTradeNo: `TB${runs}` })) }] });
    rec(
      'applyReturn preview',
      await call('applyReturn', DEMO.buyer, { action: 'preview', orderId, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }),
    );
    const a = rec(
      'applyReturn apply',
      await call('applyReturn', DEMO.buyer, {
        action: 'apply',
        requestId: id(),
        orderId,
        type: 'RETURN_REFUND',
        reason: 'NO_LONGER_WANTED',
        lines: [{ lineId: 'L1', quantity: 1 }],
      }),
      "one aggregate (order + ledger + the order's after-sales + same-requestId lookup), ledger claim, insert (with its event in the outbox)",
    );
    const rid = a.return.returnId;
    rec(
      'applyReturn modify',
      await call('applyReturn', DEMO.buyer, { action: 'modify', requestId: id(), returnId: rid, description: '改一下说明' }),
      'aggregate (after-sale + order + ledger + after-sales), after-sale CAS',
    );
    rec(
      'applyReturn modify (other quantity)',
      await call('applyReturn', DEMO.buyer, { action: 'modify', requestId: id(), returnId: rid, lines: [{ lineId: 'L1', quantity: 2 }] }),
      'aggregate, ledger claim (takes units, as apply does), after-sale CAS',
    );
    rec(
      'reviewReturn approve (RETURN_REFUND)',
      await call('reviewReturn', DEMO.merchant, { action: 'approve', requestId: id(), returnId: rid }),
      'aggregate (after-sale + order + ledger + after-sales + refund records; staff cached), CAS (messages, summary, consumer: outbox)',
    );
    rec(
      'submitLogistics SELF_SHIP',
      await call('submitLogistics', DEMO.buyer, { mode: 'SELF_SHIP', requestId: id(), returnId: rid, carrier: 'SF', trackingNo: 'SF1234567890123' }),
      'aggregate, CAS',
    );
    rec(
      'reviewReturn confirmReceipt (+ refund submit)',
      await call('reviewReturn', DEMO.merchant, { action: 'confirmReceipt', requestId: id(), returnId: rid }),
      'aggregate, ledger claim (settlement + refund records planned), record insert, CAS, money guard (one aggregate), submit CAS',
    );
    const seen = new Set(emu.stats.list().map((i) => i.id));
    await post('/_local/pay/flush', {});
    const cb = emu.stats.list().find((i) => i.function === 'refundCallback' && !seen.has(i.id));
    if (recording && !cb) throw new Error('refundCallback: no refund notification was delivered');
    if (cb && recording)
      rows.push({
        action: 'refundCallback (SUCCESS)',
        dbRequests: cb.dbRequests,
        byAction: cb.dbByAction,
        note: 'refund read, query-confirmed update, aggregate (after-sale + order + ledger + records), REFUNDED CAS',
      });
    rec('queryReturns get', await call('queryReturns', DEMO.buyer, { action: 'get', returnId: rid }));
    rec('queryReturns list mine', await call('queryReturns', DEMO.buyer, { action: 'list', scope: 'mine' }));
    const b = rec(
      'applyReturn apply (REFUND_ONLY)',
      await call('applyReturn', DEMO.buyer, {
        action: 'apply',
        requestId: id(),
        orderId: 'O1001',
        type: 'REFUND_ONLY',
        reason: 'WRONG_ORDER',
        lines: [{ lineId: 'L1', quantity: 1 }],
      }),
    );
    rec('reviewReturn reject', await call('reviewReturn', DEMO.merchant, { action: 'reject', requestId: id(), returnId: b.return.returnId, reason: '商品已发出' }));
    rec('applyReturn appeal', await call('applyReturn', DEMO.buyer, { action: 'appeal', requestId: id(), returnId: b.return.returnId, description: '商品并未发出' }));
    rec(
      'reviewReturn decide (MERCHANT)',
      await call('reviewReturn', DEMO.arbiter, { action: 'decide', requestId: id(), returnId: b.return.returnId, decision: 'MERCHANT', reason: '物流显示已发货' }),
    );
    const c = rec(
      'applyReturn apply (to cancel)',
      await call('applyReturn', DEMO.buyer, {
        action: 'apply',
        requestId: id(),
        orderId: 'O1002',
        type: 'REFUND_ONLY',
        reason: 'NOT_RECEIVED',
        lines: [{ lineId: 'L1', quantity: 1 }],
      }),
    );
    rec('applyReturn cancel', await call('applyReturn', DEMO.buyer, { action: 'cancel', requestId: id(), returnId: c.return.returnId }), 'aggregate, CAS');
    // The timer's pass that drains the outbox of everything above (messages, the orders' summaries, the ledgers), then one with nothing due.
    rec(
      'sweepTimeouts (the outbox of this scenario)',
      await call('sweepTimeouts', DEMO.admin, {}, 'wx_trigger'),
      'per after-sale: the messages (consent CAS + record each), the flag; per order: one read, the ledger refresh, the summary',
    );
    rec('sweepTimeouts (nothing due)', await call('sweepTimeouts', DEMO.admin, {}, 'wx_trigger'), 'one query per kind of due work');
  };
  await scenario();
  recording = true;
  await scenario();

  await emu.close();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  const out = { measuredAt: new Date().toISOString(), node: process.version, rows };
  writeFileSync(path.join(root, 'bench', 'results', 'requests.json'), JSON.stringify(out, null, 2) + '\n');
  console.log('| action | database requests | by kind |\n|---|---:|---|');
  for (const r of rows) {
    const kinds = Object.entries(r.byAction)
      .map(([k, v]) => `${k.replace('database.', '')} ${v}`)
      .join(', ');
    console.log(`| ${r.action} | ${r.dbRequests} | ${kinds}${r.note ? ` — ${r.note}` : ''} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
