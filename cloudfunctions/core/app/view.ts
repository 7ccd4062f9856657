/** What callers see of an after-sale: labels, who acts next, deadline, allowed actions. */
import { allowedActions } from '../machine/apply';
import { ACTION_LABELS, PROPOSAL_KINDS, type ActionName } from '../machine/transitions';
import { STATUSES, statusLabel } from '../machine/statuses';
import { REFUND_ARRIVAL_HINT } from './pay/classify';
import { REASONS, RETURN_TYPE_LABELS } from '../policy/reasons';
import { formatShopTime } from '../policy/time';
import type { Policy, Role } from '../policy/types';
import { evidenceOfSide, refundTarget, type EvidenceItem, type ReturnDoc } from './model';
import { toCurrent } from './current';

import { reimbursedPostage } from '../policy/amounts/postage';
import { CARRIER_FORMATS } from '../policy/logistics';

export interface ViewOptions {
  role: Role;
  now: Date;
  policy: Policy;
  /** servedFileID → temporary URL (queryReturns get). */
  tempUrls?: Record<string, string>;
  refunds?: { outRefundNo: string; outTradeNo: string; refundFee: number; status: string }[];
  /** How the buyer reaches the shop (settings.contact): shown on the buyer's pages. */
  contact?: { phone?: string; customerService?: boolean } | null;
}

/** Buyer-visible advice when a dispute was decided against them. */
export const DISPUTE_LOST_ADVICE = '如对复核结果有异议，您可以通过微信「小程序交易投诉」渠道投诉，或拨打 12315 消费者投诉热线寻求帮助。';

/** Timeline events that are not transitions of the machine (the status stays). */
const EXTRA_ACTION_LABELS: Readonly<Record<string, string>> = Object.freeze({
  addEvidence: '补充凭证',
});

function actionLabel(action: string): string {
  return ACTION_LABELS[action as ActionName] ?? EXTRA_ACTION_LABELS[action] ?? action;
}

const yuan = (fen: number) => (fen / 100).toFixed(2);

/**
 * What needs a person's attention, in Chinese: a postage claim paid offline,
 * and for staff a deadline the sweep could not apply or a courier booking
 * that could not be cancelled.
 */
export function attentionNotes(ret: ReturnDoc, role: Role, now: Date): string[] {
  const staff = role === 'MERCHANT' || role === 'ARBITER' || role === 'ADMIN';
  const notes: string[] = [];
  if (ret.postageOffline && ret.postageOffline > 0) {
    notes.push(
      staff ? `退货运费中 ${yuan(ret.postageOffline)} 元超出可原路退回的余额，请线下补偿买家` : `退货运费中 ${yuan(ret.postageOffline)} 元超出可原路退回的金额，将由商家线下补偿`,
    );
  }
  const stale = ret.logistics?.staleBooking;
  if (!staff) {
    if (stale) notes.push(`原上门取件预约（运单号 ${stale.waybillId}）未能自动取消，如快递员按原预约上门，请告知已改约`);
    return notes;
  }
  const err = ret.deadlineError;
  const overdue = ret.deadline && new Date(ret.deadline).getTime() <= now.getTime();
  if (err && overdue && new Date(err.at).getTime() >= new Date(ret.updatedAt).getTime()) {
    const retry = ret.deadlineRetryAt ? `，系统将于 ${formatShopTime(ret.deadlineRetryAt)} 重试` : '';
    notes.push(`到期自动处理未能执行：${err.message}${retry}；也可以现在手动处理`);
  }
  if (stale) notes.push(`原上门取件预约（运单号 ${stale.waybillId}）未能自动取消（${stale.error}），请联系快递公司取消`);
  if (ret.refundBlock) notes.push(`退款已被资金核对拦截，未发起支付：${ret.refundBlock.message}`);
  for (const g of ret.eventDelivery?.givenUp ?? []) {
    const type = ret.events?.find((e) => e.id === g.id)?.type ?? '';
    notes.push(`售后事件 ${g.id}（${type}）多次未能送达店铺系统，已放弃（${g.error}），请核对库存与订单状态`);
  }
  return notes;
}

/**
 * How the money of a REFUNDED after-sale reached the buyer: through the
 * original payment, or (markOffline) partly or wholly outside the platform.
 */
export function refundedHint(ret: ReturnDoc): string {
  const off = ret.offlineRefund;
  if (!off || off.amount <= 0) return '款项已原路退回';
  const online = Math.max(0, refundTarget(ret) - off.amount);
  const how = `商家已线下退款 ${yuan(off.amount)} 元（${off.note}）`;
  return online > 0 ? `已原路退回 ${yuan(online)} 元；${how}` : how;
}

/** Which function and event carry each action a person may take (the transition table names them). */
export const CALL_FOR: Readonly<Partial<Record<ActionName, { function: string; action?: string }>>> = Object.freeze({
  modify: { function: 'applyReturn', action: 'modify' },
  cancel: { function: 'applyReturn', action: 'cancel' },
  appeal: { function: 'applyReturn', action: 'appeal' },
  submitLogistics: { function: 'submitLogistics' },
  correctLogistics: { function: 'submitLogistics' },
  approve: { function: 'reviewReturn', action: 'approve' },
  reject: { function: 'reviewReturn', action: 'reject' },
  confirmReceipt: { function: 'reviewReturn', action: 'confirmReceipt' },
  refuseReceipt: { function: 'reviewReturn', action: 'refuseReceipt' },
  propose: { function: 'reviewReturn', action: 'propose' },
  acceptProposal: { function: 'applyReturn', action: 'acceptProposal' },
  declineProposal: { function: 'applyReturn', action: 'declineProposal' },
  decide: { function: 'reviewReturn', action: 'decide' },
  confirmExchange: { function: 'applyReturn', action: 'confirmExchange' },
  reship: { function: 'reviewReturn', action: 'reship' },
  convertToRefund: { function: 'reviewReturn', action: 'convertToRefund' },
  retryRefund: { function: 'executeRefund', action: 'retry' },
  markOffline: { function: 'executeRefund', action: 'markOffline' },
});

/** The file shown for an evidence item: the functions' checked copy when there is one. */
export const servedFileID = (e: EvidenceItem): string => e.lockedFileID ?? e.fileID;

const OUTCOME_LABELS: Readonly<Record<string, string>> = Object.freeze({ ACCEPTED: '买家已同意', DECLINED: '买家已拒绝', LAPSED: '买家超时未确认', WITHDRAWN: '买家已撤销申请' });
const SIDE_LABELS: Readonly<Record<string, string>> = Object.freeze({ BUYER: '买家', MERCHANT: '商家', ARBITER: '店铺主管', ADMIN: '商家', SYSTEM: '系统' });

/**
 * A ready-to-copy summary for a complaint (WeChat 交易投诉, 12315): when a
 * review went against the buyer, or the shop is overdue with a failed refund.
 */
export function complaintSummary(ret: ReturnDoc, now: Date): string | null {
  const lost = ret.status === 'CLOSED' && ret.decision?.decision === 'MERCHANT';
  const overdue =
    STATUSES[ret.status].refundBound &&
    !STATUSES[ret.status].terminal &&
    STATUSES[ret.status].next.role === 'MERCHANT' &&
    !!ret.deadline &&
    new Date(ret.deadline).getTime() < now.getTime();
  if (!lost && !overdue) return null;
  const lines = [
    `订单号：${ret.orderId}`,
    `售后单号：${ret._id}`,
    `售后类型：${RETURN_TYPE_LABELS[ret.type]}，原因：${REASONS[ret.reason]?.label ?? ret.reason}`,
    // An exchange asked for the replacement, not money (unless its refund was planned): say what it asked for.
    ret.exchange && !ret.refundPlan
      ? `申请换货：${ret.exchange.replacements.map((r) => `换为「${r.title}」×${r.quantity}`).join('，')}`
      : `申请退款：${yuan(refundTarget(ret))} 元`,
    `当前状态：${statusLabel(ret.status)}${overdue ? `（商家已超过处理期限 ${formatShopTime(ret.deadline as Date)}）` : ''}`,
    ...(lost ? [`复核结果：支持商家${ret.decision?.note ? `，理由：${ret.decision.note}` : ''}`] : []),
    '处理经过：',
    ...ret.timeline.map((e) => `  ${formatShopTime(e.at)} ${actionLabel(e.action)}${e.note ? `（${e.note}）` : ''}`),
  ];
  return lines.join('\n');
}

/**
 * 换货: the replacements, who pays postage each way, the replacement's waybill
 * (the buyer's own is `logistics`), and whether it was converted to a refund
 * (read from the timeline: a conversion or an accepted proposal moved money).
 */
/** The replacement's shipment; who shipped it is staff's business (buyers see staff by role only, as in the timeline). */
function reshipView(reship: NonNullable<ReturnDoc['exchange']>['reship'], carrierName: string | null, role: Role) {
  if (!reship) return null;
  const { by, ...shown } = reship;
  return { ...shown, carrierName, ...(role === 'BUYER' ? {} : { by }) };
}

function exchangeView(ret: ReturnDoc, role: Role) {
  const ex = ret.exchange;
  if (!ex) return null;
  const converted = ret.timeline.find((e) => STATUSES[e.to]?.refundBound && !(e.from && STATUSES[e.from]?.refundBound));
  const carrier = ex.reship ? (CARRIER_FORMATS[ex.reship.carrier]?.name ?? ex.reship.carrier) : null;
  return {
    replacements: ex.replacements.map((r) => ({ ...r, attrsText: Object.values(r.attrs).join(' / ') })),
    freight: ex.freight,
    reship: reshipView(ex.reship, carrier, role),
    converted: converted ? { at: converted.at, note: converted.note ?? null } : null,
  };
}

export function returnView(ret: ReturnDoc, opts: ViewOptions) {
  // Buyers see staff files under the functions' copy: the original path names the staff member's openid.
  const staffCopy = new Map(opts.role === 'BUYER' ? ret.evidence.filter((e) => e.by.role !== 'BUYER').map((e) => [e.fileID, servedFileID(e)]) : []);
  const shown = (fileID: string) => staffCopy.get(fileID) ?? fileID;
  const info = STATUSES[ret.status];
  const actions = allowedActions(toCurrent(ret), opts.role, opts.now, opts.policy) as ActionName[];
  const lost = ret.status === 'CLOSED' && ret.decision?.decision === 'MERCHANT';
  return {
    _id: ret._id,
    returnId: ret._id,
    orderId: ret.orderId,
    buyerOpenid: ret.buyerOpenid,
    type: ret.type,
    typeLabel: RETURN_TYPE_LABELS[ret.type],
    reason: ret.reason,
    reasonLabel: REASONS[ret.reason]?.label ?? ret.reason,
    description: ret.description,
    lines: ret.lines,
    amounts: ret.amounts,
    approvedAmount: ret.approvedAmount ?? null,
    adjustReason: ret.adjustReason ?? null,
    refundAmount: refundTarget(ret),
    /**
     * Amounts are an estimate until the refund is planned (entering REFUNDING):
     * then they are settled from the order's ledger (shipping only with the
     * refund that completes the order, postage only for a self-shipped return).
     */
    amountsSettled: !!ret.refundPlan,
    amountsNote: ret.refundPlan
      ? '退款金额已按订单实际退款情况核定'
      : ret.exchange
        ? '换货不涉及退款；如转为退款，金额在退款时按订单实际情况核定'
        : '预估金额：运费与寄回运费补偿在退款时按订单实际情况核定',
    freightPayer: ret.freightPayer,
    status: ret.status,
    statusLabel: info.label,
    nextActor: info.next,
    deadline: ret.deadline ?? null,
    deadlineAction: ret.deadlineAction ?? null,
    deadlineText: ret.deadline ? `请在 ${formatShopTime(ret.deadline)} 前处理` : null,
    // Buyers see who attached a file and who decided by role only: staff openids stay with staff.
    evidence: ret.evidence.map((e) => ({
      ...e,
      fileID: shown(e.fileID),
      by: opts.role === 'BUYER' && e.by.role !== 'BUYER' ? { role: e.by.role } : e.by,
      ...(opts.tempUrls?.[servedFileID(e)] ? { tempFileURL: opts.tempUrls[servedFileID(e)] } : {}),
    })),
    logistics: ret.logistics ?? null,
    exchange: exchangeView(ret, opts.role),
    returnAddress: ret.returnAddress ?? null,
    rejectReason: ret.rejectReason ?? null,
    decision: ret.decision
      ? opts.role === 'BUYER'
        ? { decision: ret.decision.decision, ...(ret.decision.note ? { note: ret.decision.note } : {}), at: ret.decision.at }
        : ret.decision
      : null,
    appeal: ret.appeal ?? null,
    ...(lost ? { advice: DISPUTE_LOST_ADVICE } : {}),
    refundHint: ret.status === 'REFUNDING' ? `退款处理中，原路退回，${REFUND_ARRIVAL_HINT}` : ret.status === 'REFUNDED' ? refundedHint(ret) : null,
    postageOffline: ret.postageOffline ?? 0,
    /**
     * The buyer's return-postage claim (self-shipped, seller-side reason) while
     * nobody has confirmed receipt yet (IN_TRANSIT, or DISPUTED after a refused
     * receipt): confirmReceipt / decide add up to `reimbursable` — through the
     * payment as far as it has room, the rest paid offline — so the amount the
     * merchant or arbiter may grant is at most refundAmount + reimbursable.
     */
    postageClaim:
      (ret.status === 'IN_TRANSIT' || ret.status === 'DISPUTED') && ret.logistics?.mode === 'SELF_SHIP' && ret.logistics.postage
        ? {
            declared: ret.logistics.postage,
            reimbursable: ret.pickupBookedAt ? 0 : reimbursedPostage({ reason: ret.reason, mode: 'SELF_SHIP', declared: ret.logistics.postage, policy: opts.policy }),
          }
        : null,
    offlineRefund: ret.offlineRefund ? { amount: ret.offlineRefund.amount, note: ret.offlineRefund.note, at: ret.offlineRefund.at } : null,
    notices: attentionNotes(ret, opts.role, opts.now),
    /** How many more evidence files the caller's side (buyer / staff) may attach. */
    evidenceRoom: Math.max(0, opts.policy.maxEvidencePerReturn - evidenceOfSide(ret.evidence, opts.role).length),
    refundIds: ret.refundIds,
    ...(opts.refunds ? { refunds: opts.refunds } : {}),
    /** Hours the buyer has to answer a proposal (the shop's policy): what the staff page tells before proposing. */
    proposalHours: opts.policy.proposalHours,
    /** The merchant's open proposal (NEGOTIATING), and every proposal with its outcome (协商历史). */
    proposal: ret.proposal
      ? {
          kind: ret.proposal.kind,
          kindLabel: PROPOSAL_KINDS[ret.proposal.kind]?.label ?? ret.proposal.kind,
          amount: ret.proposal.amount ?? null,
          reason: ret.proposal.reason,
          evidence: ret.proposal.evidence.map(shown),
          at: ret.proposal.at,
          answerBy: ret.deadline ?? null,
        }
      : null,
    negotiation: (ret.proposals ?? []).map((p) => ({
      kind: p.kind,
      kindLabel: PROPOSAL_KINDS[p.kind]?.label ?? p.kind,
      amount: p.amount ?? null,
      reason: p.reason,
      at: p.at,
      outcome: p.outcome ?? null,
      outcomeLabel: p.outcome ? OUTCOME_LABELS[p.outcome] : '等待买家确认',
    })),
    /** The conversation (留言), in time order; buyers see staff by side only. */
    messages: (ret.messages ?? []).map((m) => ({
      id: m.id,
      side: m.by.role === 'BUYER' ? 'BUYER' : 'SHOP',
      sideLabel: SIDE_LABELS[m.by.role] ?? m.by.role,
      mine: m.by.openid !== undefined && (opts.role === 'BUYER' ? m.by.role === 'BUYER' : m.by.role !== 'BUYER'),
      text: m.text,
      evidence: m.evidence.map(shown),
      at: m.at,
    })),
    unread: opts.role === 'BUYER' ? (ret.unreadForBuyer ?? 0) : (ret.unreadForStaff ?? 0),
    /** Past its deadline with nobody acting on it yet (REFUND_FAILED: the shop is overdue; money never moves by default). */
    overdue: !info.terminal && !!ret.deadline && new Date(ret.deadline).getTime() < opts.now.getTime(),
    complaintSummary: opts.role === 'BUYER' ? complaintSummary(ret, opts.now) : null,
    contact: opts.contact ?? null,
    timeline: ret.timeline.map((e) => ({
      at: e.at,
      actor: { role: e.actor.role },
      action: e.action,
      actionLabel: actionLabel(e.action),
      from: e.from,
      fromLabel: e.from ? statusLabel(e.from) : null,
      to: e.to,
      toLabel: statusLabel(e.to),
      ...(e.note ? { note: e.note } : {}),
      ...(e.evidence ? { evidence: e.evidence.map(shown) } : {}),
    })),
    allowedActions: actions,
    /** The same actions with their Chinese label and the call that takes each. */
    actions: actions.flatMap((a) => (CALL_FOR[a] ? [{ name: a, label: ACTION_LABELS[a], ...CALL_FOR[a] }] : [])),
    attempts: ret.attempts,
    version: ret.version,
    createdAt: ret.createdAt,
    updatedAt: ret.updatedAt,
  };
}
