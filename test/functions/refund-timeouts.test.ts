/**
 * A refund call that hangs: the platform holds the answer past the SDK's
 * request timeout (cloudfunctions/core/runtime/shell.ts), so the function sees
 * an error, not an answer. The functions here run with the timeout set to 3 s
 * by their environment variable (AFTERSALES_SDK_TIMEOUT_MS, as a shop would set
 * it in the console) instead of the default 10 s: the same code path, without
 * waiting 10 s twice. The refund must become UNKNOWN, never get a second
 * number, and be settled by the query or the notification.
 */
import { SDK_TIMEOUT_VAR } from '../../cloudfunctions/core/runtime/sdk-timeout';
import { fx, useEmulator } from '../support/functions';
import { refundFixtures } from '../support/refund-fixtures';

const MINUTE = 60_000;
const TIMEOUT_MS = 3_000;
/** How long the pay sandbox holds the refund call: past the timeout. */
const HOLD_MS = TIMEOUT_MS + 1_000;

const h = useEmulator({ functionEnv: { [SDK_TIMEOUT_VAR]: String(TIMEOUT_MS) } });
const f = fx(h);
const { quiet, advanceQuietly, sweep, approve, returnDoc, refundsOf } = f;
const { seedOrder, apply, sandboxOf, events } = refundFixtures(h, f);

afterEach(async () => {
  await quiet();
});

describe('the refund call hangs past the SDK timeout', () => {
  it('the refund call times out (the platform did apply it) → UNKNOWN, never a second number; the sweep query confirms it', async () => {
    const { orderId } = await seedOrder([13000]);
    const ret = await apply(orderId);
    // Held past the functions' SDK timeout: the function sees an error, not an answer.
    await h.pay({ refund: [{ timeout: true, holdMs: HOLD_MS }], callback: [{ status: 'NONE', outcome: 'SUCCESS' }] });
    const view = await approve(ret.returnId);
    expect(view.status).toBe('REFUNDING');
    const [ref] = await refundsOf(ret.returnId);
    expect(ref).toMatchObject({ status: 'UNKNOWN', tries: 1 });
    expect(ref.lastError.message).toContain('退款结果未知');
    expect(sandboxOf(ret.returnId)).toHaveLength(1);

    await advanceQuietly(2 * MINUTE);
    await sweep();
    await h.flush();
    await quiet();
    const after = await refundsOf(ret.returnId);
    expect(after.map((r: any) => [r._id, r.status])).toEqual([[ref._id, 'SUCCESS']]);
    expect(events(after[0])).toEqual(expect.arrayContaining([expect.stringMatching(/^SUBMIT:UNKNOWN/), expect.stringMatching(/^(SWEEP|CALLBACK):/)]));
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
    expect(sandboxOf(ret.returnId)).toHaveLength(1);
  }, 60_000);

  it('the refund call hangs while the platform already notifies success → the confirmed notification wins the race; one number, REFUNDED once', async () => {
    const { orderId } = await seedOrder([14000]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ timeout: true, holdMs: HOLD_MS }], callback: [{ status: 'SUCCESS', delayMs: 1000 }] });
    await approve(ret.returnId);
    await advanceQuietly(2 * MINUTE);
    await sweep();
    await h.flush();
    await quiet();
    const records = await refundsOf(ret.returnId);
    expect(records.map((r: any) => r.status)).toEqual(['SUCCESS']);
    const d = await returnDoc(ret.returnId);
    expect(d.status).toBe('REFUNDED');
    expect(d.timeline.filter((e: any) => e.action === 'refundSucceeded')).toHaveLength(1);
    expect(sandboxOf(ret.returnId)).toHaveLength(1);
  }, 60_000);
});
