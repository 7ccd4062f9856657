/**
 * Database requests per action (issue 14), as the emulator counts them per
 * invocation (GET /_local/stats): one after-sale through apply, approve,
 * shipping, receipt with its refund and the refund notification, on warm
 * instances. Each stays within the figure the README gives (npm run
 * bench:requests measures the same); a change that adds a request fails here.
 * Also what the savings rest on: the staff cache never refuses a role granted
 * while it holds the caller's document.
 */
import { rid } from '../support/emulator';
import { useEmulator, fx, dataOf, buyer, merchant, arbiter } from '../support/functions';

const h = useEmulator();
const f = fx(h);

/**
 * The most database requests each action may make (README "Database requests
 * per action"; issue 14: ≤ 3 for apply, ≤ 2 for a buyer or staff transition,
 * ≤ 6 for receipt with its refund submission, ≤ 4 per refund notification).
 * A modify that asks for other lines takes units like an application (≤ 3).
 */
const BUDGET = {
  apply: 3,
  approve: 2,
  submitLogistics: 2,
  confirmReceipt: 6,
  refundCallback: 4,
  reject: 2,
  cancel: 2,
  modify: 2,
  modifyLines: 3,
  appeal: 2,
  decide: 2,
} as const;

async function counted(fn: string, event: Record<string, unknown>, opts: { openid?: string; source?: string }): Promise<{ res: any; db: number }> {
  const before = new Set((await h.stats()).invocations.map((i: any) => i.id));
  const res = await h.call(fn, event, opts);
  const inv = (await h.stats()).invocations.find((i: any) => !before.has(i.id) && i.function === fn);
  return { res, db: inv.dbRequests };
}

/** One after-sale from apply to REFUNDED (and a rejected and a cancelled one): the requests of each action. */
async function lifecycle(tag: string): Promise<Record<keyof typeof BUDGET, number>> {
  const orderId = `OREQ-${tag}`;
  await f.seedOneLineOrder(orderId, 2, 5000);
  const apply = await counted(
    'applyReturn',
    { action: 'apply', requestId: rid('apply'), orderId, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] },
    buyer,
  );
  const returnId = dataOf(apply.res).return.returnId;
  const approve = await counted('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId }, merchant);
  expect(dataOf(approve.res).return.status).toBe('AWAITING_SHIPMENT');
  const ship = await counted('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer);
  expect(dataOf(ship.res).return.status).toBe('IN_TRANSIT');
  const receipt = await counted('reviewReturn', { action: 'confirmReceipt', requestId: rid('receipt'), returnId }, merchant);
  expect(dataOf(receipt.res).return.status).toBe('REFUNDING');
  const before = new Set((await h.stats()).invocations.map((i: any) => i.id));
  await f.settle();
  expect((await f.returnDoc(returnId)).status).toBe('REFUNDED');
  const callback = (await h.stats()).invocations.find((i: any) => !before.has(i.id) && i.function === 'refundCallback');

  const second = dataOf(
    await h.call('applyReturn', { action: 'apply', requestId: rid('apply'), orderId, type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer),
  ).return;
  const reject = await counted('reviewReturn', { action: 'reject', requestId: rid('reject'), returnId: second.returnId, reason: '商品已发出' }, merchant);
  expect(dataOf(reject.res).return.status).toBe('REJECTED');
  const cancel = await counted('applyReturn', { action: 'cancel', requestId: rid('cancel'), returnId: second.returnId }, buyer);
  expect(dataOf(cancel.res).return.status).toBe('CANCELLED');

  // Modify (the description; then the quantity), reject, appeal, decided for the merchant.
  const otherOrder = `OREQ-${tag}-2`;
  await f.seedOneLineOrder(otherOrder, 3, 5000);
  const third = dataOf(
    await h.call(
      'applyReturn',
      { action: 'apply', requestId: rid('apply'), orderId: otherOrder, type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] },
      buyer,
    ),
  ).return;
  const modify = await counted('applyReturn', { action: 'modify', requestId: rid('modify'), returnId: third.returnId, description: '拍错了颜色' }, buyer);
  expect(dataOf(modify.res).return.description).toBe('拍错了颜色');
  const modifyLines = await counted('applyReturn', { action: 'modify', requestId: rid('modify'), returnId: third.returnId, lines: [{ lineId: 'L1', quantity: 2 }] }, buyer);
  expect(dataOf(modifyLines.res).return.lines).toMatchObject([{ lineId: 'L1', quantity: 2 }]);
  await h.call('reviewReturn', { action: 'reject', requestId: rid('reject'), returnId: third.returnId, reason: '商品已发出' }, merchant);
  const appeal = await counted('applyReturn', { action: 'appeal', requestId: rid('appeal'), returnId: third.returnId, description: '商品并未发出' }, buyer);
  expect(dataOf(appeal.res).return.status).toBe('DISPUTED');
  const decide = await counted('reviewReturn', { action: 'decide', requestId: rid('decide'), returnId: third.returnId, decision: 'MERCHANT', note: '已核实物流' }, arbiter);
  expect(dataOf(decide.res).return.status).toBe('CLOSED');
  return {
    modify: modify.db,
    modifyLines: modifyLines.db,
    appeal: appeal.db,
    decide: decide.db,
    apply: apply.db,
    approve: approve.db,
    submitLogistics: ship.db,
    confirmReceipt: receipt.db,
    refundCallback: callback.dbRequests,
    reject: reject.db,
    cancel: cancel.db,
  };
}

describe('database requests per action', () => {
  it('stay within the README figures on warm instances', async () => {
    await lifecycle('warm'); // warms every instance (settings and staff caches)
    const counts = await lifecycle('measured');
    for (const [action, n] of Object.entries(counts)) expect([action, n <= BUDGET[action as keyof typeof BUDGET]]).toEqual([action, true]);
    expect(Object.keys(counts).sort()).toEqual(Object.keys(BUDGET).sort());
  }, 60_000);
});

describe('staff documents kept per warm instance', () => {
  it('a role granted while the instance holds the caller as non-staff works at once', async () => {
    const newcomer = 'o_req_newcomer';
    await f.seedOneLineOrder('OREQ-STAFF', 1, 5000);
    const ret = await f.apply('OREQ-STAFF', 'REFUND_ONLY');
    // Not staff yet: refused (and the refusal read the staff document).
    const refusedFirst = await h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId: ret.returnId }, { openid: newcomer });
    expect(refusedFirst).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await h.seed({ staff: [{ _id: newcomer, roles: ['MERCHANT'], name: '新店员' }] });
    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId: ret.returnId }, { openid: newcomer });
    expect(dataOf(approved).return.status).toBe('REFUNDING');
  });
});
