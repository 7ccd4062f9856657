/** Stored documents written by the functions (api.md "Collections"). */
import type {
  FreightPayer,
  ReasonCode,
  ReturnAmounts,
  ReturnLine,
  ReturnStatus,
  ReturnType,
  Role,
} from '../policy/types';
import type { ReturnAddress } from './settings';

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
  nextReminderAt?: Date | null;
  lastReminderAt?: Date | null;
  amounts: ReturnAmounts;
  approvedAmount?: number;
  adjustReason?: string;
  freightPayer: FreightPayer;
  evidence: EvidenceItem[];
  logistics?: Logistics;
  returnAddress?: ReturnAddress;
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

export type RefundStatus = 'CREATED' | 'PROCESSING' | 'UNKNOWN' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL' | 'FAILED' | 'OFFLINE';

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
