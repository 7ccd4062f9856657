/**
 * Plain-data types of the after-sales domain (../shared/design/domain.md).
 * Money is integer fen. Instants are `Date` (UTC); day arithmetic happens in
 * Asia/Shanghai (see time.ts).
 */

export type OrderStatus = 'PAID' | 'SHIPPED' | 'RECEIVED' | 'COMPLETED' | 'CANCELLED';
export type PaymentKind = 'FULL' | 'DEPOSIT' | 'BALANCE';
export type NoReasonExempt = 'CUSTOM' | 'FRESH' | 'DIGITAL_OPENED' | 'PERIODICAL';

export interface Payment {
  outTradeNo: string;
  transactionId?: string;
  channel: 'WECHAT_PAY';
  amount: number;
  paidAt: Date;
  kind?: PaymentKind;
}

export interface OrderLine {
  lineId: string;
  skuId: string;
  title: string;
  image?: string;
  quantity: number;
  unitPrice: number;
  /** What the buyer paid for the whole line after discounts (fen). */
  paidAmount: number;
  category?: string;
  /** The product this SKU belongs to (换货: replacements are other SKUs of the same product, `skus` collection). */
  productId?: string;
  noReasonExempt?: NoReasonExempt;
  /** The buyer confirmed "不支持七天无理由" at purchase. */
  waiverConfirmedAt?: Date;
}

export interface AfterSaleSummary {
  returnId: string;
  status: ReturnStatus;
}

export interface Order {
  _id: string;
  buyerOpenid: string;
  status: OrderStatus;
  paidAt: Date;
  shippedAt?: Date;
  /** 签收时间 */
  receivedAt?: Date;
  shippingFee: number;
  payments: Payment[];
  lines: OrderLine[];
  afterSale?: Record<string, AfterSaleSummary>;
}

/** 仅退款 / 退货退款 / 换货 (the goods come back and another SKU of the same product, same price, goes out: no money moves unless converted to a refund). */
export type ReturnType = 'REFUND_ONLY' | 'RETURN_REFUND' | 'EXCHANGE';

export type ReasonCode =
  | 'NO_LONGER_WANTED'
  | 'WRONG_ORDER'
  | 'SIZE_COLOR'
  | 'OTHER'
  | 'QUALITY_ISSUE'
  | 'DAMAGED'
  | 'WRONG_ITEM'
  | 'MISSING_PARTS'
  | 'NOT_AS_DESCRIBED'
  | 'NOT_RECEIVED';

export type FaultSide = 'BUYER' | 'SELLER';
export type FreightPayer = 'BUYER' | 'SELLER';

export type ReturnStatus =
  | 'PENDING_REVIEW'
  | 'NEGOTIATING'
  | 'AWAITING_SHIPMENT'
  | 'IN_TRANSIT'
  | 'REJECTED'
  | 'DISPUTED'
  | 'REFUNDING'
  | 'REFUND_FAILED'
  | 'REFUNDED'
  | 'AWAITING_RESHIP'
  | 'RESHIPPED'
  | 'EXCHANGED'
  | 'CANCELLED'
  | 'CLOSED';

export type Role = 'BUYER' | 'MERCHANT' | 'ARBITER' | 'ADMIN' | 'SYSTEM';
export type StaffRole = 'MERCHANT' | 'ARBITER' | 'ADMIN';

/** Policy settings (domain.md "Policy defaults"); a `settings` document overrides them. */
export interface Policy {
  noReasonDays: number;
  qualityDays: number;
  merchantReviewHours: number;
  buyerShipDays: number;
  merchantReceiveDays: number;
  appealDays: number;
  reminderLeadHours: number;
  maxAttemptsPerLine: number;
  /** Logistics corrections allowed per after-sale (each new pickup cancels the previous booking first). */
  maxLogisticsCorrections: number;
  /** Hours the buyer has to answer a merchant's proposal (协商) before it lapses back to the merchant. */
  proposalHours: number;
  /** Proposals a merchant may make per after-sale. */
  maxProposals: number;
  /** Hours the shop's arbiter has to decide an appeal before it is decided for the buyer. */
  arbiterDecideHours: number;
  /** Hours the merchant has to settle a failed refund (no default outcome: money never moves by default). */
  refundFixHours: number;
  /** Days a refund normally takes to arrive (the deadline shown while REFUNDING). */
  refundArrivalDays: number;
  /** Hours the merchant has to ship an exchange's replacement once the goods came back, before it is converted to a refund. */
  reshipHours: number;
  /** Days the buyer has to confirm receiving the replacement before it is confirmed for them. */
  exchangeConfirmDays: number;
  /** Messages one sender may add to an after-sale per hour. */
  maxMessagesPerHour: number;
  maxEvidencePerReturn: number;
  maxEvidenceBytes: number;
  returnShippingCap: number;
  refundQueryAfterMinutes: number;
  /** Days after paidAt during which the payment platform accepts refunds. */
  paymentRefundDays: number;
}

export interface RequestedLine {
  lineId: string;
  quantity: number;
}

/** A line of a stored after-sale: quantity and the refund amount computed for it. */
export interface ReturnLine {
  lineId: string;
  quantity: number;
  amount: number;
}

export interface ReturnAmounts {
  /** Σ line amounts (fen). */
  items: number;
  /** Outbound shipping fee refunded (fen). */
  shipping: number;
  /** Return postage claimed by the buyer and reimbursed (seller-side reasons, self-ship), capped. */
  postage?: number;
  total: number;
}

/** What the policy needs to know of the shop's other after-sales of the same order. */
export interface PriorReturn {
  returnId: string;
  status: ReturnStatus;
  type: ReturnType;
  reason: ReasonCode;
  lines: ReturnLine[];
  /** How many applications + modifications this after-sale counted, per line. */
  attempts?: number;
  /** Amount actually refunded / to be refunded (approvedAmount ?? amounts.total). */
  refundTotal?: number;
  /** Whether the outbound shipping fee is part of it. */
  shippingRefunded?: number;
  /**
   * The buyer sent goods back for it (logistics recorded). A REJECTED
   * after-sale with `shipped === false` is superseded by a new application
   * for its lines (withdrawn when the new one is made, domain.md "re-apply").
   */
  shipped?: boolean;
}

export interface Refusal {
  code: string;
  lineId?: string;
  message: string;
}

/** A SKU of the shop's catalogue (`skus` collection, maintained by the shop): the replacements an exchange may offer. */
export interface Sku {
  _id: string;
  productId: string;
  title: string;
  /** e.g. { 颜色: '白色', 尺码: 'M' } */
  attrs: Record<string, string>;
  /** Unit price in fen (list price, as the order line's unitPrice). */
  price: number;
  stock: number;
}

/** The replacement a buyer chose for a line of an exchange. */
export interface RequestedReplacement {
  lineId: string;
  skuId: string;
}
