/**
 * refundCallback: WeChat Pay's refund notification. Only SOURCE wx_paycallback
 * is accepted. The payload is never trusted alone: it is matched to a stored
 * refund and confirmed with queryRefund before anything is marked. Answers
 * { errcode: 0 } once the outcome is durably stored (or already was), and a
 * non-zero errcode only when the platform should deliver it again.
 */
import { refundCallbackSchema } from '../schemas';
import { fail, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { findById } from '../data/db';
import { C } from '../data/collections';
import { loadSettings } from '../app/settings';
import { loadReturnWithOrder } from '../app/returns';
import { applyQuery, complete, ownRecords, queryRefund } from '../app/refunds';
import { notConfirmed } from '../app/pay';
import type { RefundDoc } from '../app/model';
import { isReported } from '../machine/refundRecords';
import { refundRunning } from '../machine/statuses';

export const ACK = { errcode: 0, errmsg: 'OK' };
/** Outcomes the platform reported (machine/refundRecords.ts; a FAILED / OFFLINE record is still confirmed by a query: the platform may have refunded after all). */
const isFinal = (r: Pick<RefundDoc, 'status'>) => isReported(r.status);
const AGAIN = (why: string) => ({ errcode: 1, errmsg: why });

function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ fn: 'refundCallback', ...fields }));
}

export async function refundCallback(event: Record<string, unknown>, caller: Caller): Promise<Envelope | { errcode: number; errmsg: string }> {
  if (caller.origin !== 'wx_paycallback') return fail('FORBIDDEN', '仅接受微信支付的退款通知');
  const parsed = refundCallbackSchema.safeParse(event);
  if (!parsed.success || !parsed.data.outRefundNo) {
    log({ outcome: 'ignored', why: 'unreadable notification' });
    return ACK;
  }
  const note = parsed.data;
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  const raw = await findById<RefundDoc>(C.refunds, note.outRefundNo);
  if (!raw) {
    log({ outcome: 'ignored', why: 'unknown out_refund_no', outRefundNo: note.outRefundNo });
    return ACK;
  }
  let ref = { ...raw, nextCheckAt: raw.nextCheckAt ? new Date(raw.nextCheckAt) : null };
  if (note.refundFee !== undefined && note.refundFee !== ref.refundFee) {
    log({ outcome: 'warning', why: 'notified amount differs from the stored refund', outRefundNo: ref._id, notified: note.refundFee, stored: ref.refundFee });
  }
  if (!isFinal(ref)) {
    const q = await queryRefund(ref, settings);
    if (notConfirmed(q)) {
      log({ outcome: 'retry', why: `query says ${q.status}`, outRefundNo: ref._id });
      return AGAIN('refund status not confirmed yet');
    }
    if (q.status === 'NOT_FOUND') {
      log({ outcome: 'ignored', why: 'platform has no such refund', outRefundNo: ref._id });
      return ACK;
    }
    ref = await applyQuery(ref, q, now, settings, 'CALLBACK');
    if (!isFinal(ref)) {
      // Lost the compare-and-set to another writer (the sweep, a submit that just
      // returned): acknowledge only once the final outcome is stored, by anyone.
      const fresh = await findById<RefundDoc>(C.refunds, ref._id);
      const again = fresh ? { ...fresh, nextCheckAt: fresh.nextCheckAt ? new Date(fresh.nextCheckAt) : null } : null;
      ref = again && !isFinal(again) ? await applyQuery(again, q, now, settings, 'CALLBACK') : (again ?? ref);
      if (!isFinal(ref)) {
        log({ outcome: 'retry', why: 'outcome not stored (concurrent change)', outRefundNo: ref._id });
        return AGAIN('refund outcome not stored yet');
      }
    }
  }
  // Complete the after-sale (REFUNDED / REFUND_FAILED) — retried on a lost race.
  for (let i = 0; i < 3; i++) {
    // The after-sale with its order, ledger and the order's refund records: one request.
    const { ret, loaded, records: orderRecords } = await loadReturnWithOrder(ref.returnId, settings);
    if (!refundRunning(ret.status)) break;
    // The order's refund records come with it (loadReturnWithOrder): every record of this after-sale done?
    const records = ownRecords(ret, orderRecords);
    try {
      await complete(ret, records, now, settings, loaded);
      break;
    } catch (err) {
      if ((err as { code?: string })?.code !== 'CONFLICT') throw err;
    }
  }
  log({ outcome: 'stored', outRefundNo: ref._id, status: ref.status });
  return ACK;
}
