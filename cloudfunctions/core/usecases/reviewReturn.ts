/**
 * reviewReturn: the merchant's approve / reject / confirmReceipt / refuseReceipt
 * and the arbiter's decide. Entering REFUNDING submits the refund in the same
 * invocation (if this invocation dies, the sweep submits it).
 */
import { reviewReturnSchema, type ReviewReturnInput } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { parseInput } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { attachEvidence } from '../app/evidence';
import { loadOrder, loadReturn, loadReturnWithOrder, priorEvent, refused, settledMaximum, toCurrent, transition, type OrderRead } from '../app/returns';
import { requireReplacementStock } from '../app/exchange';
import { checkTrackingNo } from '../policy/logistics';
import { decide } from '../machine/apply';
import { rolesFor, STAFF_ROLES, type TransitionPayload } from '../machine/transitions';
import { proposalFields } from '../app/negotiation';
import { refundRunning } from '../machine/statuses';
import { settle } from '../app/refunds';
import { returnView } from '../app/view';
import type { RefundDoc, ReturnDoc } from '../app/model';
import { postMessage, staffRolesFor, requireNotOwnReturn, staffActing, type Acting } from './common';

export async function reviewReturn(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(reviewReturnSchema, event);
  if (input.action === 'message') return staffMessage(input, caller);
  const acting = await staffActing(caller, staffRolesFor(rolesFor(input.action)));
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  // With its order and ledger (one request): what the decision or the settlement reads.
  const { ret, loaded } = await loadReturnWithOrder(input.returnId, settings);
  requireNotOwnReturn(ret, acting);
  if (priorEvent(ret, acting.openid, input.requestId)) return ok({ return: returnView(ret, { role: acting.role, now, policy: settings.policy }) });

  const evidenceIn: string[] = 'evidence' in input && input.evidence ? input.evidence : [];
  const payload = {
    reason: 'reason' in input ? input.reason : undefined,
    note: input.note,
    evidence: evidenceIn,
    returnAddress: input.action === 'approve' ? input.returnAddress : undefined,
    decision: input.action === 'decide' ? input.decision : undefined,
    ...(input.action === 'reship' ? { reship: { carrier: input.carrier, trackingNo: input.trackingNo } } : {}),
    ...(input.action === 'propose' ? { proposal: { kind: input.kind, amount: input.refundAmount, reason: input.reason, evidence: evidenceIn } } : {}),
  };
  // State, role and input checks of the machine first (pure): a refused action
  // answers INVALID_STATE & co. before any file is downloaded or checked.
  precheck(ret, acting, input.action, now, settings, payload);
  if ((input.action === 'decide' || input.action === 'confirmReceipt') && input.refundAmount !== undefined && ret.type === 'EXCHANGE') {
    // An exchange whose goods came back (or that is decided for the buyer) owes the replacement, not money: an amount would
    // be dropped without a word (receipt) or kept to bind a later conversion (decide; above the settled maximum, block it).
    const message = '换货不涉及退款金额：收到退回商品后由商家发出换货；无法换货时商家可转为退款';
    throw new AppError('INVALID_ARGUMENT', message, { issues: [{ path: 'refundAmount', message }] });
  }
  // The replacement's waybill in its carrier's format (after the state checks: a refused action says why first).
  if (input.action === 'reship') payload.reship = { carrier: input.carrier, trackingNo: checkedWaybill(input.carrier, input.trackingNo) };

  // An amount granted for the buyer is within what the ledger allows now (else it would block the refund at receipt).
  if (input.action === 'decide' && input.decision === 'BUYER' && input.refundAmount !== undefined) {
    const maximum = await settledMaximum(ret, now, settings, loaded);
    if (input.refundAmount > maximum) {
      const message = `退款金额不能超过可退金额 ${(maximum / 100).toFixed(2)} 元`;
      throw new AppError('REFUND_LIMIT', message, { refusal: 'AMOUNT_ABOVE_MAXIMUM', maximum, issues: [{ path: 'refundAmount', message }] });
    }
  }
  const evidence = await attachEvidence(evidenceIn, { role: acting.role, openid: acting.openid }, ret, settings, now);
  const extra: Record<string, unknown> = evidence.length ? { evidence: [...ret.evidence, ...evidence] } : {};
  if (input.action === 'reject' || input.action === 'refuseReceipt') extra.rejectReason = input.reason ?? input.note ?? '验货未通过';
  if (input.action === 'decide') {
    extra.decision = { by: acting.openid, decision: input.decision, ...(input.reason ? { note: input.reason } : {}), at: now };
    // An amount the arbiter granted while the goods still have to come back: settled at receipt.
    if (input.decision === 'BUYER' && input.refundAmount !== undefined) Object.assign(extra, { grantedAmount: input.refundAmount, adjustReason: input.reason ?? input.note ?? '' });
  }
  if (input.action === 'reship') {
    // The replacement still exists, matches its line and is in stock (checked at apply, and now): else convert to a refund.
    await requireReplacementStock(ret, (loaded ? loaded.order : await loadOrder(ret.orderId, settings)).lines);
    const exchange = ret.exchange as NonNullable<ReturnDoc['exchange']>;
    extra.exchange = { ...exchange, reship: { carrier: input.carrier, trackingNo: payload.reship?.trackingNo, at: now, by: acting.openid } };
  }
  if (input.action === 'propose')
    Object.assign(
      extra,
      await proposalExtra(
        ret,
        input,
        acting,
        evidence.map((e) => e.fileID),
        now,
        settings,
        loaded,
      ),
    );
  // The amount is settled by the transition that enters REFUNDING (from the ledger, then); the merchant may grant less.
  const refund = 'refundAmount' in input ? { requested: input.refundAmount, reason: input.reason ?? input.note } : undefined;

  const { ret: moved, records } = await transition({
    ret,
    actor: { role: acting.role, openid: acting.openid },
    action: input.action,
    now,
    settings,
    requestId: input.requestId,
    payload,
    extra,
    refund,
    loaded,
  });
  const final = await afterMove(moved, now, settings, records);
  return ok({ return: returnView(final, { role: acting.role, now, policy: settings.policy }) });
}

/** The replacement's waybill in the carrier's format (normalised), or LOGISTICS_INVALID — as the buyer's own. */
function checkedWaybill(carrier: string, raw: string): string {
  const r = checkTrackingNo(carrier, raw);
  if (!r.ok) throw new AppError('LOGISTICS_INVALID', r.message, { issues: [{ path: 'trackingNo', message: r.message }] });
  return r.trackingNo;
}

/**
 * A proposal's amount is checked against what the refund would be settled at
 * now (REFUND_LIMIT above it); REFUND_WITHOUT_RETURN proposes exactly that.
 */
async function proposalExtra(
  ret: ReturnDoc,
  input: Extract<ReviewReturnInput, { action: 'propose' }>,
  acting: Acting,
  evidence: string[],
  now: Date,
  settings: ShopSettings,
  loaded?: OrderRead,
): Promise<Record<string, unknown>> {
  const maximum = await settledMaximum(ret, now, settings, loaded);
  const amount = input.kind === 'REFUND_WITHOUT_RETURN' ? maximum : input.refundAmount;
  if (amount !== undefined && amount > maximum) {
    const message = `协商退款金额不能超过可退金额 ${(maximum / 100).toFixed(2)} 元`;
    throw new AppError('REFUND_LIMIT', message, { refusal: 'AMOUNT_ABOVE_MAXIMUM', maximum, issues: [{ path: 'refundAmount', message }] });
  }
  return proposalFields(ret, { kind: input.kind, amount, reason: input.reason, evidence }, { role: acting.role, openid: acting.openid }, now);
}

/** Staff leave a message (any staff role; never their own after-sale): the buyer is told within their consents. */
async function staffMessage(input: Extract<ReviewReturnInput, { action: 'message' }>, caller: Caller): Promise<Envelope> {
  const acting = await staffActing(caller, [...STAFF_ROLES]);
  const ret = await loadReturn(input.returnId);
  requireNotOwnReturn(ret, acting);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  const stored = await postMessage(ret, { role: acting.role, openid: acting.openid }, input, now, settings);
  return ok({ return: returnView(stored, { role: acting.role, now, policy: settings.policy }) });
}

function precheck(ret: ReturnDoc, acting: Acting, action: Exclude<ReviewReturnInput['action'], 'message'>, now: Date, settings: ShopSettings, payload: TransitionPayload): void {
  const result = decide({
    current: toCurrent(ret),
    actor: { role: acting.role, openid: acting.openid },
    action,
    now,
    policy: settings.policy,
    payload: { defaultReturnAddress: settings.defaultReturnAddress ?? null, ...payload },
    ledger: 'later',
  });
  if (!result.ok) throw refused(result);
}

/**
 * After a transition: submit the refund if the after-sale is now in a status where the system runs it (the status
 * table's refundRunning — what the machine reports as its `submitRefund` effect, read here from the stored status so
 * that the sweep's re-runs of a deferred submit take the same path); the messages follow from its outbox.
 */
export async function afterMove(ret: ReturnDoc, now: Date, settings: ShopSettings, records?: RefundDoc[]): Promise<ReturnDoc> {
  let current = ret;
  if (refundRunning(current.status)) {
    try {
      // `records`: planned and stored by the settlement of this very move (nothing to read).
      current = (await settle(current, now, settings, { records })).ret;
    } catch (err) {
      // The transition stands; the sweep submits what is left.
      console.error(JSON.stringify({ level: 'warn', msg: 'refund submit deferred to the sweep', returnId: ret._id, error: String((err as Error)?.message ?? err) }));
    }
  }
  return current;
}
