/**
 * reviewReturn: the merchant's approve / reject / confirmReceipt / refuseReceipt
 * and the arbiter's decide. Entering REFUNDING submits the refund in the same
 * invocation (if this invocation dies, the sweep submits it).
 */
import { reviewReturnSchema, type ReviewReturnInput } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { findById } from '../data/db';
import { C } from '../data/collections';
import { parseInput } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { attachEvidence } from '../app/evidence';
import { loadReturn, priorEvent, refused, toCurrent, transition } from '../app/returns';
import { applyTransition } from '../machine/apply';
import type { TransitionPayload } from '../machine/transitions';
import { normaliseOrder, priorReturns } from '../app/ledger';
import { settle } from '../app/refunds';
import { returnView } from '../app/view';
import type { ReturnDoc } from '../app/model';
import { adjustRefundAmount, addPostage, postageRoom, reimbursedPostage } from '../policy/amounts';
import type { StaffRole } from '../policy/types';
import { requireNotOwnReturn, staffActing, tellBuyer, type Acting } from './common';

const ROLES_FOR: Record<ReviewReturnInput['action'], StaffRole[]> = {
  approve: ['MERCHANT', 'ADMIN'],
  reject: ['MERCHANT', 'ADMIN'],
  confirmReceipt: ['MERCHANT', 'ADMIN'],
  refuseReceipt: ['MERCHANT', 'ADMIN'],
  decide: ['ARBITER', 'ADMIN'],
};

export async function reviewReturn(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(reviewReturnSchema, event);
  const acting = await staffActing(caller, ROLES_FOR[input.action]);
  const ret = await loadReturn(input.returnId);
  requireNotOwnReturn(ret, acting);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  if (priorEvent(ret, acting.openid, input.requestId)) return ok({ return: returnView(ret, { role: acting.role, now, policy: settings.policy }) });

  const evidenceIn: string[] = 'evidence' in input && input.evidence ? input.evidence : [];
  const payload = {
    reason: 'reason' in input ? input.reason : undefined,
    note: input.note,
    evidence: evidenceIn,
    returnAddress: input.action === 'approve' ? (input.returnAddress as any) : undefined,
    decision: input.action === 'decide' ? input.decision : undefined,
  };
  // State, role and input checks of the machine first (pure): a refused action
  // answers INVALID_STATE & co. before any file is downloaded or checked.
  precheck(ret, acting, input.action, now, settings, payload);

  const evidence = await attachEvidence(evidenceIn, { role: acting.role, openid: acting.openid }, ret, settings, now);
  const extra: Record<string, unknown> = evidence.length ? { evidence: [...ret.evidence, ...evidence] } : {};
  if (input.action === 'reject' || input.action === 'refuseReceipt') extra.rejectReason = input.reason ?? input.note ?? '验货未通过';
  if (input.action === 'confirmReceipt' || (input.action === 'decide' && input.decision === 'BUYER')) {
    Object.assign(extra, await refundAmountFields(ret, input.refundAmount, input.reason ?? input.note, settings));
  }
  if (input.action === 'decide') {
    extra.decision = { by: acting.openid, decision: input.decision, ...(input.reason ? { note: input.reason } : {}), at: now };
  }

  const { ret: moved } = await transition({ ret, actor: { role: acting.role, openid: acting.openid }, action: input.action, now, settings, requestId: input.requestId, payload, extra });
  const final = await afterMove(moved, now, settings, acting);
  return ok({ return: returnView(final, { role: acting.role, now, policy: settings.policy }) });
}

function precheck(ret: ReturnDoc, acting: Acting, action: ReviewReturnInput['action'], now: Date, settings: ShopSettings, payload: TransitionPayload): void {
  const result = applyTransition({
    current: toCurrent(ret),
    actor: { role: acting.role, openid: acting.openid },
    action,
    now,
    policy: settings.policy,
    payload: { defaultReturnAddress: (settings.defaultReturnAddress as any) ?? null, ...payload },
  });
  if (!result.ok) throw refused(result);
}

/**
 * The amount refunded: the computed maximum (plus the reviewed postage claim
 * for seller-side self-shipped returns), optionally lowered for RETURN_REFUND.
 * Also used by the sweep's autoReceive: the merchant's silence confirms the
 * receipt, and the capped claim goes back as it would at a confirmation.
 */
export async function refundAmountFields(ret: ReturnDoc, requested: number | undefined, reason: string | undefined, settings: ShopSettings): Promise<Record<string, unknown>> {
  let amounts = ret.amounts;
  const claimed = ret.logistics?.postage;
  const fields: Record<string, unknown> = {};
  if (claimed && ret.logistics?.mode === 'SELF_SHIP') {
    const raw = await findById(C.orders, ret.orderId);
    if (!raw) throw new AppError('NOT_FOUND', '订单不存在');
    const order = normaliseOrder(raw);
    const capped = reimbursedPostage({ reason: ret.reason, mode: 'SELF_SHIP', declared: claimed, policy: settings.policy });
    const room = postageRoom({ order, priorReturns: priorReturns(order), excludeReturnId: ret._id, lines: ret.lines, amounts: ret.amounts });
    const postage = Math.min(capped, room);
    amounts = addPostage(ret.amounts, postage);
    fields.amounts = amounts;
    if (postage < capped) fields.postageOffline = capped - postage;
  }
  // The maximum the merchant may grant: what goes back through the payment plus the postage the payment cannot carry (paid offline).
  const offline = typeof fields.postageOffline === 'number' ? fields.postageOffline : 0;
  const maximum = amounts.total + offline;
  const adjusted = adjustRefundAmount(ret.type, maximum, requested);
  if (!adjusted.ok) {
    // Above the maximum is the refund limit; the other refusals are input errors.
    const code = adjusted.code === 'AMOUNT_ABOVE_MAXIMUM' ? 'REFUND_LIMIT' : 'INVALID_ARGUMENT';
    throw new AppError(code, adjusted.message, { refusal: adjusted.code, maximum, issues: [{ path: 'refundAmount', message: adjusted.message }] });
  }
  if (adjusted.lowered) {
    // A lowered amount comes out of the offline part first, then out of the refund through the payment.
    const online = Math.min(adjusted.amount, amounts.total);
    if (online < amounts.total) fields.approvedAmount = online;
    if (offline) fields.postageOffline = adjusted.amount - online;
    fields.adjustReason = reason ?? '';
  }
  return fields;
}

/** After a review moved the after-sale: submit the refund if it is now REFUNDING, tell the buyer. */
export async function afterMove(ret: ReturnDoc, now: Date, settings: ShopSettings, acting?: Pick<Acting, 'openid'>): Promise<ReturnDoc> {
  let current = ret;
  if (current.status === 'REFUNDING') {
    try {
      current = (await settle(current, now, settings)).ret;
    } catch (err) {
      // The transition stands; the sweep submits what is left.
      console.error(JSON.stringify({ level: 'warn', msg: 'refund submit deferred to the sweep', returnId: ret._id, error: String((err as Error)?.message ?? err) }));
    }
  }
  await tellBuyer(current, now, settings, acting?.openid);
  return current;
}
