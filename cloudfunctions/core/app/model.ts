/** Stored documents written by the functions (api.md "Collections"). */
import type { FreightPayer, ReasonCode, ReturnAmounts, ReturnLine, ReturnStatus, ReturnType, Role } from '../policy/types';
import type { ReturnAddress } from './settings';
import type { RefundPlan } from '../policy/amounts/settle';
import type { PlannedShare } from '../policy/amounts/planShares';
import type { RefundStatus } from '../machine/refundRecords';
import type { ProposalKind } from '../machine/transitions';
import type { AfterSaleEventType } from '../machine/events';
import type { ExchangeFreight } from '../policy/exchange/postage';
import { toDate } from '../policy/time';

export type { RefundStatus } from '../machine/refundRecords';

export interface Proposal {
  kind: ProposalKind;
  /** Fen, what goes back (REFUND_WITHOUT_RETURN: the settled maximum). */
  amount?: number;
  reason: string;
  evidence: string[];
  by: { role: Role; openid?: string };
  at: Date;
  /** The status it was made in: declining or lapsing goes back there. */
  from: ReturnStatus;
}

export interface Message {
  id: string;
  by: { role: Role; openid?: string };
  text: string;
  evidence: string[];
  at: Date;
  /** (sender, requestId) makes a repeated send land on the same message. */
  requestId?: string;
}

export interface EvidenceItem {
  fileID: string;
  kind: 'PHOTO' | 'VIDEO' | 'WAYBILL' | 'OTHER';
  by: { role: Role; openid?: string };
  at: Date;
  size?: number;
  contentType?: string;
  /**
   * The functions' own copy of the checked bytes (evidence-locked/<sha256>.<ext>),
   * which no client can overwrite or delete: what is shown and judged later.
   */
  lockedFileID?: string;
  sha256?: string;
}

/** The files of `role`'s side — the buyer, or staff (merchant, arbiter, admin): each side has its own evidence limit. */
export function evidenceOfSide(evidence: readonly EvidenceItem[], role: Role): EvidenceItem[] {
  const buyer = role === 'BUYER';
  return evidence.filter((e) => (e.by.role === 'BUYER') === buyer);
}

export interface TimelineEntry {
  at: Date;
  actor: { role: Role; openid?: string };
  action: string;
  from: ReturnStatus | null;
  to: ReturnStatus;
  note?: string;
  evidence?: string[];
  /** (actor openid, requestId) of the call that made it: the idempotency key of transitions. */
  requestId?: string;
}

export interface Logistics {
  mode: 'SELF_SHIP' | 'PICKUP';
  carrier?: string;
  trackingNo?: string;
  waybillId?: string;
  /** PICKUP: the order id the booking was made under (logistics.addOrder / cancelOrder). */
  bookingId?: string;
  /** A replaced PICKUP booking that could not be cancelled with the carrier: staff must cancel it. */
  staleBooking?: { waybillId: string; bookingId: string; error: string; at: Date };
  pickup?: { name: string; phone: string; address: string; slotStart: Date; slotEnd: Date };
  postage?: number;
  submittedAt: Date;
  corrections?: number;
  /** PICKUP: the booking was cancelled with the carrier (a correction that then did not go through). */
  cancelledAt?: Date;
}

/** What an exchange (换货) swaps and how the replacement went out. */
export interface ExchangeInfo {
  replacements: { lineId: string; quantity: number; skuId: string; title: string; attrs: Record<string, string>; price: number }[];
  freight: ExchangeFreight;
  /** The replacement's shipment (reship). */
  reship?: { carrier: string; trackingNo: string; at: Date; by?: string };
}

export interface ReturnDoc {
  _id: string;
  orderId: string;
  buyerOpenid: string;
  type: ReturnType;
  reason: ReasonCode;
  description: string;
  lines: ReturnLine[];
  status: ReturnStatus;
  version: number;
  deadline: Date | null;
  deadlineAction: string | null;
  /** When the current status was entered (input of deadlines and reminders). */
  statusEnteredAt?: Date | null;
  nextReminderAt?: Date | null;
  lastReminderAt?: Date | null;
  amounts: ReturnAmounts;
  approvedAmount?: number;
  /** An amount the arbiter granted (decide for the buyer) before the goods came back: the settlement's requested amount. */
  grantedAmount?: number;
  adjustReason?: string;
  freightPayer: FreightPayer;
  evidence: EvidenceItem[];
  logistics?: Logistics;
  /** 换货: the replacements, who pays postage each way, and the replacement's shipment. */
  exchange?: ExchangeInfo;
  /** When goods were first sent back in this after-sale (sticky: logistics belong to these lines, and it can no longer be cancelled). */
  goodsSentAt?: Date | null;
  /** When a courier pickup (paid by the merchant) was first booked in this after-sale (sticky: no postage claim afterwards). */
  pickupBookedAt?: Date | null;
  returnAddress?: ReturnAddress;
  /** The refund as settled when it was planned (the transition that entered REFUNDING), from the ledger. */
  refundPlan?: RefundPlan | null;
  /** The id of the ledger claim its last claiming commit was made for (app/ledger.ts overlay). */
  claimId?: string;
  /** The refund records planned with the settlement (out_refund_no, payment, fen): stored before its commit. */
  refundShares?: PlannedShare[] | null;
  /** The merchant's open proposal (NEGOTIATING), and every proposal with its outcome (协商历史). */
  proposal?: Proposal | null;
  proposals?: (Proposal & { outcome?: 'ACCEPTED' | 'DECLINED' | 'LAPSED' | 'WITHDRAWN'; answeredAt?: Date })[];
  /** The conversation of buyer and shop (留言): never changes the status. */
  messages?: Message[];
  /** Messages the other side has not read yet. */
  unreadForStaff?: number;
  unreadForBuyer?: number;
  /** Typed events announced by the commits of this after-sale (app/events.ts), in order; delivered up to `eventsDelivered`. */
  events?: AfterSaleEvent[];
  eventsDelivered?: number;
  /** First release: events waited for the shop's consumer (`npm run migrate:ledger` moves such after-sales to `outboxPending`). */
  eventsPending?: boolean;
  /**
   * The outbox has work (app/outbox.ts): set by every commit in its
   * compare-and-set, cleared by the sweep once the messages, the order's
   * summary and the shop's consumer have caught up with `version`.
   */
  outboxPending?: boolean;
  /** Events whose subscribe messages were sent (or decided against), in order. */
  eventsNoticed?: number;
  eventDelivery?: EventDelivery | null;
  /** The last-line money guard stopped the refund: no pay call was made (REFUND_FAILED for the merchant). */
  refundBlock?: { code: 'LEDGER_GUARD'; message: string; at: Date } | null;
  refundIds: string[];
  /** applications + modifications counted for the attempts limit. */
  attempts: number;
  /** sha of (buyer openid, requestId) of the apply that created it. */
  applyKey: string;
  rejectReason?: string;
  decision?: { by: string; decision: 'BUYER' | 'MERCHANT'; note?: string; at: Date };
  /** The buyer's appeal (REJECTED → DISPUTED). */
  appeal?: { description: string; at: Date };
  /** The reviewed postage claim (fen) that the refund could not carry: the merchant pays it offline. */
  postageOffline?: number;
  /** markOffline: what the merchant refunded outside the platform (fen) and how. */
  offlineRefund?: { note: string; by: string; at: Date; amount: number };
  /** The sweep could not apply the deadline (parked until deadlineRetryAt). */
  deadlineRetryAt?: Date | null;
  deadlineError?: { code: string; message: string; at: Date };
  timeline: TimelineEntry[];
  createdAt: Date;
  updatedAt: Date;
}

export interface RefundDoc {
  _id: string; // outRefundNo
  returnId: string;
  orderId: string;
  outTradeNo: string;
  totalFee: number;
  refundFee: number;
  status: RefundStatus;
  tries: number;
  lastError?: { code?: string; message: string; at: Date };
  history: { at: Date; event: string; raw?: unknown }[];
  nextCheckAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  successTime?: string;
  refundId?: string;
}

/** A refund record as read from the database: its dates revived (a copy). */
export function normaliseRefund(r: RefundDoc): RefundDoc {
  return { ...r, nextCheckAt: toDate(r.nextCheckAt) ?? null, createdAt: toDate(r.createdAt) as Date, updatedAt: toDate(r.updatedAt) as Date };
}

/** A refund record as planned for `share` of one of the order's payments: CREATED, never tried, checked again at `nextCheckAt`. */
export function plannedRefundRecord(
  ret: Pick<ReturnDoc, '_id' | 'orderId'>,
  share: PlannedShare,
  payments: readonly { outTradeNo: string; amount: number }[],
  now: Date,
  nextCheckAt: Date,
): RefundDoc {
  const payment = payments.find((p) => p.outTradeNo === share.outTradeNo)!;
  return {
    _id: share.outRefundNo,
    returnId: ret._id,
    orderId: ret.orderId,
    outTradeNo: share.outTradeNo,
    totalFee: payment.amount,
    refundFee: share.amount,
    status: 'CREATED',
    tries: 0,
    history: [{ at: now, event: 'CREATED' }],
    nextCheckAt,
    createdAt: now,
    updatedAt: now,
  };
}

/** What goes back through the payment: the settled plan's target, else (before settlement) the estimate. */
export function refundTarget(ret: Pick<ReturnDoc, 'approvedAmount' | 'amounts' | 'refundPlan' | 'grantedAmount'>): number {
  if (ret.refundPlan) return ret.refundPlan.target;
  if (typeof ret.approvedAmount === 'number') return ret.approvedAmount;
  // An amount the arbiter granted before the goods came back (settled at receipt, never above the settled maximum).
  return typeof ret.grantedAmount === 'number' ? ret.grantedAmount : ret.amounts.total;
}

/** A typed after-sale event (app/events.ts delivers them). */
export interface AfterSaleEvent {
  /** Stable: the same event always carries the same id (`<returnId>:v<version>`). */
  id: string;
  type: AfterSaleEventType;
  at: Date;
  returnId: string;
  orderId: string;
  buyerOpenid: string;
  returnType: ReturnDoc['type'];
  from: ReturnStatus | null;
  to: ReturnStatus;
  actor: Role;
  lines: { lineId: string; quantity: number; amount: number }[];
  /** Fen: what this after-sale refunds (settled once its refund was planned). */
  amount: number;
  /** markOffline: the refund was made outside the payment platform. */
  offline?: boolean;
  /**
   * 换货: what the shop's stock system should do — exchangeReserved (this
   * after-sale's reservation is now exactly `skus`: replace, not add),
   * exchangeShipped (they left the warehouse), exchangeReleased (the exchange
   * ended without a shipment: cancelled, closed, converted to a refund).
   */
  stock?: { op: 'exchangeReserved' | 'exchangeShipped' | 'exchangeReleased'; skus: { skuId: string; quantity: number }[] };
}

export interface EventDelivery {
  tries: number;
  nextAt: Date | null;
  lastError?: string;
  /** Events given up after maxTries (ids), in order. */
  givenUp?: { id: string; error: string; at: Date }[];
}
