/**
 * scripts/migrate-ledger.ts (`npm run migrate:ledger -- --emulator URL`), as a
 * shop with after-sales from before this release runs it: every order with
 * after-sales gets its ledger (from `returns`, from a first-release ledger on
 * the order, from the order's summary), orders without after-sales get none,
 * and a second run creates nothing and says so.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createEmulator, type LocalEmulator } from '../../scripts/emulator';
import { orderFixture } from '../support/functions';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
let emu: LocalEmulator;
let dataDir: string;

function migrate(args: string[]) {
  const env = { ...process.env, TCB_ENV: '', TENCENTCLOUD_SECRETID: '', TENCENTCLOUD_SECRETKEY: '' };
  return run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/migrate-ledger.ts'), ...args], { cwd: ROOT, env }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
}

async function post(route: string, body: unknown) {
  const res = await fetch(`${emu.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}
const db = async (c: string) => (await (await fetch(`${emu.url}/_local/db/${c}`)).json()).data as any[];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'migrate-ledger-'));
  emu = await createEmulator({ port: 0, dataDir, functionsDir: path.join(ROOT, 'build', 'cloudfunctions'), reset: true, persist: false });
});

afterAll(async () => {
  await emu?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('scripts/migrate-ledger.ts', () => {
  it('builds the ledger of every order with after-sales, once', async () => {
    const now = emu.clock.now();
    const line = { lineId: 'L1', skuId: 'S1', title: '旧商品', quantity: 1, unitPrice: 5000, paidAmount: 5000 };
    const order = (id: string) => orderFixture(now, { _id: id, daysAgo: { paid: 4, shipped: 3, received: 1 }, lines: [line] });
    const refunded = {
      _id: 'R20260101000000000101',
      orderId: 'MIG-A',
      buyerOpenid: 'o_demo_buyer',
      type: 'REFUND_ONLY',
      reason: 'WRONG_ORDER',
      description: '',
      status: 'REFUNDED',
      version: 4,
      lines: [{ lineId: 'L1', quantity: 1, amount: 5000 }],
      amounts: { items: 5000, shipping: 0, total: 5000 },
      freightPayer: 'BUYER',
      evidence: [],
      refundIds: [],
      attempts: 1,
      applyKey: 'k1',
      deadline: null,
      deadlineAction: null,
      timeline: [],
      createdAt: new Date(now - 2 * 86_400_000).toISOString(),
      updatedAt: new Date(now).toISOString(),
    };
    const firstRelease = {
      returnId: 'R20260101000000000102',
      status: 'PENDING_REVIEW',
      type: 'RETURN_REFUND',
      reason: 'OTHER',
      lines: [{ lineId: 'L1', quantity: 1, amount: 5000 }],
      attempts: 1,
      version: 1,
      applyKey: 'k2',
      createdAt: new Date(now).toISOString(),
    };
    await post('/_local/seed', {
      orders: [
        order('MIG-A'),
        { ...order('MIG-B'), afterSaleRev: 1, afterSaleReturns: { [firstRelease.returnId]: firstRelease } },
        { ...order('MIG-C'), afterSale: { L1: { returnId: 'R20260101000000000103', status: 'REFUNDED' } } },
        order('MIG-D'),
      ],
      // An after-sale whose events the earlier release left waiting for the shop's consumer (eventsPending).
      returns: [{ ...refunded, eventsPending: true }],
    });

    const first = await migrate(['--emulator', emu.url]);
    if (first.code !== 0) throw new Error(first.out);
    expect(first.out).toContain("ledger migration: 4 orders, 3 ledgers created, 0 already had one, 1 without after-sales, 1 after-sales' waiting events moved to the outbox");
    expect((await db('returns')).find((r: any) => r._id === refunded._id)).toMatchObject({ eventsPending: false, outboxPending: true });
    const ledgers = Object.fromEntries((await db('ledgers')).map((l) => [l._id, l]));
    expect(Object.keys(ledgers).sort()).toEqual(['MIG-A', 'MIG-B', 'MIG-C']);
    expect(ledgers['MIG-A'].entries[refunded._id]).toMatchObject({ status: 'REFUNDED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(ledgers['MIG-B'].entries[firstRelease.returnId]).toMatchObject({ status: 'PENDING_REVIEW' });
    expect(ledgers['MIG-C'].entries.R20260101000000000103).toMatchObject({ status: 'REFUNDED', lines: [{ lineId: 'L1', quantity: 1, amount: 5000 }] });

    const again = await migrate(['--emulator', emu.url]);
    expect(again.out).toContain("0 ledgers created, 3 already had one, 1 without after-sales, 0 after-sales' waiting events moved to the outbox — nothing to do");
  }, 90_000);

  it('no credentials and no --emulator → a Chinese message, exit 2', async () => {
    const res = await migrate([]);
    expect(res.code).toBe(2);
    expect(res.out).toContain('缺少 TCB_ENV');
  }, 60_000);
});
