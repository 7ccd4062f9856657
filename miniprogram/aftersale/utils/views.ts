/** View models of an after-sale for the pages (from the function's view, cloudfunctions/core/app/view.ts). */
import type { ReturnSummary, ReturnView } from './api';
import { countdown, shopTime, statusTone, yuan } from './format';
import { ACTION_LABELS, CARRIER_FORMATS, REASONS, RETURN_TYPE_LABELS, STATUSES } from '../shared/contract';

/** Buyer actions, in the order of the action bar (left to right). */
const BUYER_ACTIONS = ['cancel', 'appeal', 'modify', 'correctLogistics', 'submitLogistics', 'confirmExchange'] as const;
const PRIMARY = new Set(['submitLogistics', 'modify', 'confirmExchange']);
/** Buyer actions answered in the proposal panel (not in the action bar). */
const PROPOSAL_ACTIONS = ['declineProposal', 'acceptProposal'] as const;

export const ACTOR_TEXT: Record<string, string> = { BUYER: '买家', MERCHANT: '商家', ARBITER: '店铺主管', ADMIN: '商家', SYSTEM: '系统' };

export function detailView(r: ReturnView, opts: { buyerActions?: boolean; titles?: Record<string, string> } = {}) {
  const buyerActions = opts.buyerActions !== false;
  const titles = opts.titles ?? {};
  const cd = countdown(r.deadline);
  const addr: { name?: string; phone?: string; address?: string } | null =
    r.returnAddress && typeof r.returnAddress === 'object' ? r.returnAddress : r.returnAddress ? { address: String(r.returnAddress) } : null;
  const lg = r.logistics;
  const ex = r.exchange;
  return {
    returnId: r.returnId,
    orderId: r.orderId,
    status: r.status,
    statusLabel: r.statusLabel,
    tone: statusTone(r.status),
    nextPhrase: r.nextActor?.phrase ?? '',
    nextActorText: r.nextActor?.role ? (ACTOR_TEXT[r.nextActor.role] ?? '') : '',
    deadlineText: r.deadline ? `截止 ${shopTime(r.deadline)}` : '',
    deadlineAt: r.deadline ? shopTime(r.deadline) : '',
    countdownText: cd?.text ?? '',
    countdownTone: cd ? (cd.overdue ? 'overdue' : cd.urgent ? 'urgent' : '') : '',
    typeLabel: r.typeLabel,
    reasonLabel: r.reasonLabel,
    description: r.description ?? '',
    refundText: yuan(r.refundAmount),
    refundLabel: r.status === 'REFUNDED' ? '已退款' : r.status === 'CLOSED' || r.status === 'CANCELLED' ? '申请退款金额' : '退款金额',
    refundStrong: !(r.status === 'CLOSED' || r.status === 'CANCELLED'),
    itemsText: yuan(r.amounts?.items),
    shippingText: r.amounts?.shipping ? yuan(r.amounts.shipping) : '',
    postageText: r.amounts?.postage ? yuan(r.amounts.postage) : '',
    amountsNote: r.amountsNote ?? '',
    adjusted: r.approvedAmount !== null && r.approvedAmount !== undefined && r.approvedAmount !== r.amounts?.total,
    freightText: r.freightPayer === 'SELLER' ? '商家承担' : '买家承担',
    /**
     * 换货: what each line is swapped for, postage each way, the shop's
     * waybill of the replacement (the buyer's own is `logistics`), and the
     * conversion to a refund with its reason; null for the other types.
     */
    exchange: ex
      ? {
          replacements: ex.replacements.map((x) => ({
            lineId: x.lineId,
            fromText: titles[x.lineId] ?? `商品 ${x.lineId}`,
            toText: x.title,
            attrsText: x.attrsText,
            qtyText: `× ${x.quantity}`,
          })),
          freightText: ex.freight.text,
          backText: ex.freight.back === 'SELLER' ? '商家承担' : '买家承担',
          reship: ex.reship ? { carrierText: ex.reship.carrierName ?? ex.reship.carrier, trackingNo: ex.reship.trackingNo, at: shopTime(ex.reship.at) } : null,
          converted: ex.converted ? { at: shopTime(ex.converted.at), note: ex.converted.note ?? '' } : null,
        }
      : null,
    /** The refund block: every type but an exchange that was never converted to a refund (it moves no money). */
    showRefund: !ex || !!ex.converted,
    refundHint: r.refundHint ?? '',
    lines: r.lines.map((l) => ({ lineId: l.lineId, title: titles[l.lineId] ?? `商品 ${l.lineId}`, qtyText: `× ${l.quantity}`, amountText: yuan(l.amount) })),
    address: addr ? { name: addr.name ?? '', phone: addr.phone ?? '', address: addr.address ?? '' } : null,
    logistics: lg
      ? {
          modeText: lg.mode === 'PICKUP' ? '上门取件' : '自行寄回',
          carrierText: lg.carrier ? (CARRIER_FORMATS[lg.carrier]?.name ?? lg.carrier) : '',
          trackingNo: lg.trackingNo ?? lg.waybillId ?? '',
          pickupText: lg.pickup ? `${shopTime(lg.pickup.slotStart)} - ${shopTime(lg.pickup.slotEnd).slice(11)}` : '',
        }
      : null,
    rejectReason: r.status === 'REJECTED' || r.status === 'DISPUTED' ? (r.rejectReason ?? '') : '',
    decision: r.decision
      ? {
          lost: r.decision.decision === 'MERCHANT',
          title: r.decision.decision === 'MERCHANT' ? '店铺主管复核：支持商家，本次售后不予退款' : '店铺主管复核：支持买家',
          why: r.decision.note ?? '',
          at: r.decision.at ? shopTime(r.decision.at) : '',
        }
      : null,
    advice: r.advice ?? '',
    notices: r.notices ?? [],
    evidence: r.evidence.map((e) => ({
      fileID: e.fileID,
      kind: e.kind,
      url: e.tempFileURL ?? '',
      byText: e.by?.role === 'BUYER' && buyerActions ? '我' : (ACTOR_TEXT[e.by?.role] ?? ''),
    })),
    timeline: r.timeline
      .slice()
      .reverse()
      .map((t, i) => ({
        key: `${t.at}-${i}`,
        title: t.actionLabel,
        statusText: t.from && t.from !== t.to ? `${t.fromLabel} → ${t.toLabel}` : t.toLabel,
        actorText: ACTOR_TEXT[t.actor?.role] ?? '',
        at: shopTime(t.at),
        note: t.note ?? '',
        first: i === 0,
      })),
    proposal: r.proposal
      ? {
          kindLabel: r.proposal.kindLabel,
          amountText: r.proposal.amount !== null && r.proposal.amount !== undefined ? yuan(r.proposal.amount) : yuan(r.refundAmount),
          reason: r.proposal.reason,
          evidence: r.proposal.evidence.map((fileID) => ({ fileID, url: fileID })),
          at: shopTime(r.proposal.at),
          answerByText: r.proposal.answerBy ? `请在 ${shopTime(r.proposal.answerBy)} 前确认，逾期视为未同意，由商家继续处理` : '',
        }
      : null,
    /** 同意方案 / 拒绝方案, as the server allows them (the view's `actions`). */
    proposalActions: (buyerActions ? PROPOSAL_ACTIONS : [])
      .filter((a) => r.allowedActions.includes(a))
      .map((a) => ({ name: a, label: a === 'acceptProposal' ? '同意方案' : '拒绝方案', primary: a === 'acceptProposal' })),
    negotiation: (r.negotiation ?? []).map((p, i) => ({
      key: `${p.at}-${i}`,
      kindLabel: p.kindLabel,
      amountText: p.amount !== null && p.amount !== undefined ? yuan(p.amount) : '全额',
      reason: p.reason,
      at: shopTime(p.at),
      outcomeLabel: p.outcomeLabel,
      open: !p.outcome,
    })),
    messages: threadView(r, buyerActions),
    /** The other side's messages unread until this read (queryReturns get marks them read). */
    unreadText: r.unread ? `${r.unread} 条新留言` : '',
    overdue: !!r.overdue,
    /** The shop missed its deadline on a failed refund (money never moves by default). */
    shopOverdue: !!r.overdue && r.status === 'REFUND_FAILED',
    complaintSummary: r.complaintSummary ?? '',
    contact: r.contact && (r.contact.phone || r.contact.customerService) ? { phone: r.contact.phone ?? '', customerService: !!r.contact.customerService } : null,
    actions: (buyerActions ? BUYER_ACTIONS : []).filter((a) => r.allowedActions.includes(a)).map((a) => ({ name: a, label: ACTION_LABELS[a], primary: PRIMARY.has(a) })),
    terminal: !!STATUSES[r.status as keyof typeof STATUSES]?.terminal,
  };
}

export type DetailView = ReturnType<typeof detailView>;

/**
 * The thread (留言) in time order: who (the buyer sees the shop as 商家, by
 * side only; staff see 买家 / 商家 / 店铺主管), when, the text and photos
 * (cloud fileIDs: the image component shows them as they are).
 */
export function threadView(r: ReturnView, buyer: boolean) {
  return (r.messages ?? []).map((m) => ({
    id: m.id,
    mine: m.mine,
    who: m.mine ? '我' : buyer ? (m.side === 'BUYER' ? '买家' : '商家') : m.sideLabel,
    side: m.side,
    text: m.text,
    at: shopTime(m.at),
    photos: m.evidence.map((fileID) => ({ fileID, url: fileID })),
  }));
}

/** 仅退款 / 退货退款 for a return type (the code itself when unknown). */
export function typeLabel(type: string): string {
  return RETURN_TYPE_LABELS[type as keyof typeof RETURN_TYPE_LABELS] ?? type;
}

/** The Chinese label of a reason code (the code itself when unknown). */
export function reasonLabel(reason: string): string {
  return REASONS[reason as keyof typeof REASONS]?.label ?? reason;
}

/** Units asked for, over all lines of an after-sale. */
export function unitCount(s: ReturnSummary): number {
  return s.lines.reduce((n, l) => n + l.quantity, 0);
}

/** The fields every after-sale list row has (我的售后, 售后工作台), from a queryReturns list item. */
export function summaryFields(s: ReturnSummary) {
  return {
    returnId: s.returnId,
    orderId: s.orderId,
    statusLabel: s.statusLabel,
    tone: statusTone(s.status),
    phrase: s.nextActor?.phrase ?? '',
    unread: s.unreadForStaff ?? 0,
    refundText: yuan(s.refundAmount),
    overdue: !!s.overdue,
    dueToday: !!s.dueToday && !s.overdue,
  };
}

/**
 * The after-sale a page opens: `returnId`, or `id` (links of older subscribe
 * messages); returnId wins when both are given.
 */
export function returnIdOf(options: Record<string, string | undefined>): string {
  return options.returnId || options.id || '';
}

/** The buyer's own files already attached to the after-sale (their side of the per-side limit). */
export function buyerFiles(r: ReturnView): { fileID: string; kind: string; url: string }[] {
  return r.evidence.filter((e) => e.by?.role === 'BUYER').map((e) => ({ fileID: e.fileID, kind: e.kind, url: e.tempFileURL ?? '' }));
}

/** How many more files may be picked: the side's room less those already picked. */
export function evidenceRoom(sideRoom: number, picked: number): number {
  return Math.max(0, sideRoom - picked);
}

/**
 * The most a receipt confirmation (or a decision for the buyer) may refund: the
 * refund amount plus the reimbursable postage claim. An exchange moves no
 * money (its refundAmount is 0) until a proposal or a conversion refunds its
 * units: what those units were bought for (its lines' amounts; the server
 * settles the exact maximum and answers REFUND_LIMIT with it above that).
 */
export function maxRefundOf(r: ReturnView): number {
  if (r.type === 'EXCHANGE' && !r.refundAmount) return r.lines.reduce((sum, l) => sum + l.amount, 0);
  return r.refundAmount + (r.postageClaim?.reimbursable ?? 0);
}
