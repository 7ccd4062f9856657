/**
 * executeRefund: the merchant's `retry` (REFUND_FAILED → REFUNDING, same
 * out_refund_no unless the platform closed it) and `markOffline` (an offline
 * refund recorded with a note → REFUNDED); `submit` pushes a REFUNDING
 * after-sale's pending refunds (other functions, the sweep, or an ADMIN).
 */
import { executeRefundSchema } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { CLIENT_ORIGINS, parseInput, requireOpenid, requireOrigin, staffRole } from '../app/guards';
import { loadSettings } from '../app/settings';
import { attachEvidence } from '../app/evidence';
import { loadReturn, priorEvent, refused, toCurrent, transition } from '../app/returns';
import { decide } from '../machine/apply';
import { rolesFor } from '../machine/transitions';
import { closeOffline, offlinePlan, resetForRetry, settle } from '../app/refunds';
import { returnView } from '../app/view';
import { requireNotOwnReturn, staffActing, staffRolesFor } from './common';

/** Server-side callers: another function or a server SDK (SOURCE `scf`, or a chain ending in it) or the timer. */
function fromServer(caller: Caller): boolean {
  const chain = caller.source.split(',');
  return caller.origin === 'wx_trigger' || chain[chain.length - 1] === 'scf';
}

export async function executeRefund(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(executeRefundSchema, event);
  const now = new Date();
  const settings = await loadSettings(now.getTime());

  if (input.action === 'submit') {
    if (!fromServer(caller)) {
      requireOrigin(caller, CLIENT_ORIGINS);
      if (!(await staffRole(requireOpenid(caller), ['ADMIN'])).role) {
        throw new AppError('FORBIDDEN', '无权调用此功能');
      }
    }
    const ret = await loadReturn(input.returnId);
    const { ret: after, refunds } = await settle(ret, now, settings, { submitDue: true });
    return ok({ return: returnView(after, { role: 'SYSTEM', now, policy: settings.policy }), refunds: refunds.map(publicRefund) });
  }

  const acting = await staffActing(caller, staffRolesFor(rolesFor(input.action === 'retry' ? 'retryRefund' : 'markOffline')));
  const ret = await loadReturn(input.returnId);
  requireNotOwnReturn(ret, acting);
  if (priorEvent(ret, acting.openid, input.requestId)) return ok({ return: returnView(ret, { role: acting.role, now, policy: settings.policy }) });

  if (input.action === 'retry') {
    const { ret: moved } = await transition({
      ret,
      actor: { role: acting.role, openid: acting.openid },
      action: 'retryRefund',
      now,
      settings,
      requestId: input.requestId,
      payload: { note: input.note },
    });
    await resetForRetry(moved, now);
    let current = moved;
    try {
      current = (await settle(moved, now, settings, { submitDue: true })).ret;
    } catch (err) {
      console.error(JSON.stringify({ level: 'warn', msg: 'retry submit deferred to the sweep', returnId: ret._id, error: String((err as Error)?.message ?? err) }));
    }
    return ok({ return: returnView(current, { role: acting.role, now, policy: settings.policy }) });
  }

  // markOffline (the machine refuses it outside REFUND_FAILED; checked first, before anything is read)
  const refusal = decide({
    current: toCurrent(ret),
    actor: { role: acting.role, openid: acting.openid },
    action: 'markOffline',
    now,
    policy: settings.policy,
    payload: { note: input.note },
  });
  if (!refusal.ok) throw refused(refusal);
  const plan = await offlinePlan(ret);
  const evidence = await attachEvidence(input.evidence, { role: acting.role, openid: acting.openid }, ret, settings, now);
  const { ret: moved } = await transition({
    ret,
    actor: { role: acting.role, openid: acting.openid },
    action: 'markOffline',
    now,
    settings,
    requestId: input.requestId,
    payload: { note: input.note, evidence: evidence.map((e) => e.fileID) },
    extra: {
      offlineRefund: { note: input.note, by: acting.openid, at: now, amount: plan.amount },
      ...(evidence.length ? { evidence: [...ret.evidence, ...evidence] } : {}),
    },
  });
  await closeOffline(plan.records, now);
  return ok({ return: returnView(moved, { role: acting.role, now, policy: settings.policy }) });
}

export function publicRefund(r: { _id: string; outTradeNo: string; refundFee: number; status: string; tries: number; lastError?: { message: string } }) {
  return { outRefundNo: r._id, outTradeNo: r.outTradeNo, refundFee: r.refundFee, status: r.status, tries: r.tries, ...(r.lastError ? { lastError: r.lastError.message } : {}) };
}
