/**
 * Database round trips per action (issue goal: ≤ 2 per state transition, ≤ 3
 * for apply), read from the emulator's per-invocation stats. Every function is
 * warmed first (settings are cached per warm instance, as on the cloud).
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
  await post('/_local/seed', demoSeed(emu.clock.now()));
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
    rec(
      'applyReturn preview',
      await call('applyReturn', DEMO.buyer, { action: 'preview', orderId: 'O1003', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }),
    );
    const a = rec(
      'applyReturn apply',
      await call('applyReturn', DEMO.buyer, {
        action: 'apply',
        requestId: id(),
        orderId: 'O1003',
        type: 'RETURN_REFUND',
        reason: 'NO_LONGER_WANTED',
        lines: [{ lineId: 'L1', quantity: 1 }],
      }),
      'same-requestId lookup and order read (side by side), ledger CAS, insert',
    );
    const rid = a.return.returnId;
    rec(
      'applyReturn modify',
      await call('applyReturn', DEMO.buyer, { action: 'modify', requestId: id(), returnId: rid, description: '改一下说明' }),
      'return + order read, ledger CAS, return CAS',
    );
    rec(
      'reviewReturn approve (RETURN_REFUND)',
      await call('reviewReturn', DEMO.merchant, { action: 'approve', requestId: id(), returnId: rid }),
      'staff + return read, CAS, order summary, message outbox',
    );
    rec(
      'submitLogistics SELF_SHIP',
      await call('submitLogistics', DEMO.buyer, { mode: 'SELF_SHIP', requestId: id(), returnId: rid, carrier: 'SF', trackingNo: 'SF1234567890123' }),
      'return read, CAS, order summary',
    );
    rec(
      'reviewReturn confirmReceipt (+ refund submit)',
      await call('reviewReturn', DEMO.merchant, { action: 'confirmReceipt', requestId: id(), returnId: rid }),
      'transition + refund records planned under a lock, stored, submitted',
    );
    const before = emu.stats.list().length;
    await post('/_local/pay/flush', {});
    const cb = emu.stats
      .list()
      .slice(before)
      .find((i) => i.function === 'refundCallback');
    if (cb && recording)
      rows.push({ action: 'refundCallback (SUCCESS)', dbRequests: cb.dbRequests, byAction: cb.dbByAction, note: 'refund read, query-confirmed update, REFUNDED transition' });
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
    rec('applyReturn cancel', await call('applyReturn', DEMO.buyer, { action: 'cancel', requestId: id(), returnId: c.return.returnId }), 'return read, CAS, order summary');
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
