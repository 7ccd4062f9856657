/**
 * sweepTimeouts under a backlog: one timer pass (no `batch`) works through
 * page after page of due items until none are left (or its budget is spent),
 * resuming after the last item it read, so items it cannot apply (parked with
 * their reason) never hold up the ones behind them, and a pass with a spent
 * budget leaves the rest to the next one. Outcomes only (the figures at
 * scale are `npm run bench:sweep`).
 */
import { useEmulator, fx, admin } from '../support/functions';

const MINUTE = 60_000;
const HOUR = 3_600_000;

const h = useEmulator();
const f = fx(h);

let orderSeq = 0;
const iso = (ms: number) => new Date(ms).toISOString();

/** `n` after-sales in PENDING_REVIEW whose review deadline passed (copies of a real one with fresh _ids, a second apart). */
async function seedExpired(n: number, type: 'REFUND_ONLY' | 'RETURN_REFUND', ageMs = MINUTE): Promise<string[]> {
  const orderId = `OSB${++orderSeq}`;
  await f.seedOrder({
    _id: orderId,
    status: type === 'REFUND_ONLY' ? 'PAID' : 'RECEIVED',
    daysAgo: { paid: 2, shipped: 2, received: 1 },
    lines: [{ lineId: 'L1', skuId: 'SKU-SB', title: '测试商品', quantity: 1, unitPrice: 10000, paidAmount: 10000 }],
  });
  const original = await f.returnDoc((await f.apply(orderId, type)).returnId);
  const now = await h.now();
  const ids: string[] = [];
  const docs = Array.from({ length: n }, (_, i) => {
    const id = `R20990202${String(orderSeq * 100000 + i).padStart(12, '0')}`;
    ids.push(id);
    const at = now - ageMs - i * 1000;
    return {
      ...original,
      _id: id,
      applyKey: `backlog-${id}`,
      deadline: iso(at),
      statusEnteredAt: iso(at - 48 * HOUR),
      createdAt: iso(at - 48 * HOUR),
      updatedAt: iso(at - 48 * HOUR),
      nextReminderAt: null,
    };
  });
  for (let i = 0; i < docs.length; i += 100) await h.seed({ returns: docs.slice(i, i + 100) });
  return ids;
}

const statusOf = async (ids: string[]) => {
  const byId = new Map<string, any>((await h.db('returns')).map((r: any) => [r._id, r]));
  return ids.map((id) => byId.get(id));
};

describe('a timer pass works through the backlog', () => {
  it('205 expired after-sales (more than two pages) are all applied by one pass, each once', async () => {
    const ids = await seedExpired(205, 'RETURN_REFUND');
    const res = await f.sweep();
    expect(res.deadlines).toEqual({ done: 205, skipped: 0, left: false });
    expect(res.left).toBe(false);
    for (const d of await statusOf(ids)) {
      expect(d.status).toBe('AWAITING_SHIPMENT');
      expect(d.timeline.filter((e: any) => e.action === 'autoApprove')).toHaveLength(1);
    }
    const again = await f.sweep();
    expect(again.deadlines).toEqual({ done: 0, skipped: 0, left: false });
  });

  it('a page of items that cannot be applied (parked with the reason) does not hold up those behind it in the same pass', async () => {
    const settings = (await h.db('settings')).find((d: any) => d._id === 'shop');
    const { defaultReturnAddress, ...withoutAddress } = settings;
    expect(defaultReturnAddress).toBeTruthy();
    await h.seed({ settings: [withoutAddress] });
    await f.advanceQuietly(2 * MINUTE); // settings are cached for a minute
    const blocked = await seedExpired(130, 'RETURN_REFUND', 30 * MINUTE);
    // one per order: copies of one after-sale would compete for the same units
    const behind = [...(await seedExpired(1, 'REFUND_ONLY', MINUTE)), ...(await seedExpired(1, 'REFUND_ONLY', MINUTE)), ...(await seedExpired(1, 'REFUND_ONLY', MINUTE))];
    const res = await f.sweep();
    expect(res.deadlines).toMatchObject({ done: 3, skipped: 130, left: false });
    for (const d of await statusOf(behind)) expect(d.timeline.filter((e: any) => e.action === 'autoApprove')).toHaveLength(1);
    for (const d of await statusOf(blocked)) {
      expect(d.status).toBe('PENDING_REVIEW');
      expect(d.deadlineError).toMatchObject({ code: 'RETURN_ADDRESS_REQUIRED' });
    }
    // parked: the next pass does not read them again
    expect((await f.sweep()).deadlines).toEqual({ done: 0, skipped: 0, left: false });
    await h.seed({ settings: [settings] });
  });

  it('a pass whose budget is spent reports what is left, and the next pass carries on from there', async () => {
    await f.advanceQuietly(5 * MINUTE); // the settings with the address again (cached a minute); the parked ones stay parked (an hour)
    const ids = await seedExpired(40, 'RETURN_REFUND');
    const first = (await h.call('sweepTimeouts', { budgetMs: 1 }, admin)).data;
    expect(first.left).toBe(true);
    expect(first.deadlines.done).toBeLessThan(40);
    const next = await f.sweep();
    expect(next.left).toBe(false);
    expect(first.deadlines.done + next.deadlines.done).toBe(40);
    for (const d of await statusOf(ids)) expect(d.timeline.filter((e: any) => e.action === 'autoApprove')).toHaveLength(1);
  });
});
