/**
 * The reference model of the model-based test (issue 15): what the shop sold
 * and was paid (orders), and what the model knows of each after-sale from the
 * answers it got (its lines, whether goods were ever sent, whether a pickup
 * was ever booked, how many logistics corrections were accepted, the terminal
 * status it reached). Plain data: the invariants (./invariants.ts) read it
 * beside the real database.
 */

export const BUYER_REASONS = ['NO_LONGER_WANTED', 'WRONG_ORDER', 'SIZE_COLOR', 'OTHER'] as const;
export const SELLER_REASONS = ['QUALITY_ISSUE', 'DAMAGED', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_DESCRIBED', 'NOT_RECEIVED'] as const;
export type Reason = (typeof BUYER_REASONS)[number] | (typeof SELLER_REASONS)[number];
export const isSellerSide = (reason: string | undefined): boolean => (SELLER_REASONS as readonly string[]).includes(String(reason));
/** Seller-side reasons that need a photo (all but NOT_RECEIVED). */
export const needsPhoto = (reason: string): boolean => isSellerSide(reason) && reason !== 'NOT_RECEIVED';

/** An after-sale holds its units unless it is one of these (REJECTED holds: it can still be appealed; an EXCHANGED unit stays bought, free for a later after-sale). */
export const RELEASED = ['CANCELLED', 'CLOSED', 'EXCHANGED'] as const;
/** Money is being (or was) sent back for the after-sale's units. */
export const REFUNDING_SET = ['REFUNDING', 'REFUND_FAILED', 'REFUNDED'] as const;
export const TERMINAL = ['REFUNDED', 'EXCHANGED', 'CANCELLED', 'CLOSED'] as const;
/** Refund records that hold money of a payment (CLOSED: the platform closed it; OFFLINE: never completed online). */
export const RECORD_RELEASED = ['CLOSED', 'OFFLINE'] as const;
export const MAX_CORRECTIONS = 3;

export type OrderKind = 'SHIPPED' | 'UNSHIPPED' | 'PRESALE';

export interface ModelLine {
  lineId: string;
  quantity: number;
  paidAmount: number;
}

export interface ModelOrder {
  orderId: string;
  kind: OrderKind;
  /** The order was shipped (status RECEIVED); an unshipped one is PAID. */
  shipped: boolean;
  shippingFee: number;
  lines: ModelLine[];
  payments: { outTradeNo: string; amount: number }[];
}

export interface ModelReturn {
  returnId: string;
  orderId: string;
  /** The lines as last answered by the product (apply, modify) — the database must agree. */
  lines: { lineId: string; quantity: number }[];
  /** Status of the last look (answer or database). */
  status: string;
  /** An accepted submitLogistics: goods were sent in this after-sale. */
  goodsSent: boolean;
  /** The lines when goods were first sent (they may not change afterwards). */
  sentLines?: { lineId: string; quantity: number }[];
  /** A PICKUP was accepted at some point. */
  hadPickup: boolean;
  /** Accepted submitLogistics while IN_TRANSIT. */
  corrections: number;
  /** Accepted PICKUP submissions (each may book one courier, no more). */
  pickups: number;
  /** The first terminal status seen: it must never change. */
  terminal?: string;
}

export interface Model {
  orders: ModelOrder[];
  /** 换货: the shop's SKUs seeded for the orders (each shipped line: its own SKU, another of the same price, one at another price). */
  skus?: Record<string, unknown>[];
  returns: Map<string, ModelReturn>;
}

export function newModel(orders: ModelOrder[]): Model {
  return { orders, returns: new Map() };
}

const DAY = 86_400_000;

/**
 * The three kinds of order a sequence may draw (ids made unique by `prefix`):
 * - SHIPPED: shipped + received yesterday, shippingFee 800, three lines (one of
 *   quantity 2 with a discounted paidAmount, one whose lineId has a dot), one payment;
 * - UNSHIPPED: PAID, not shipped (REFUND_ONLY only), shippingFee 600;
 * - PRESALE: received, paid as deposit + balance (two payments), shippingFee 500.
 * Σ paidAmount + shippingFee = Σ payments in each.
 */
/** The SKU a line of a model order was bought as. */
export const skuOf = (orderId: string, lineId: string): string => `SKU-${orderId}-${lineId}`;

/** Replacement variants an exchange command may ask for: the same SKU, another SKU of the same price, one at another price (refused). */
export const REPLACEMENTS = ['SAME', 'ALT', 'PRICE'] as const;
export type ReplacementKind = (typeof REPLACEMENTS)[number];
export const replacementSku = (orderId: string, lineId: string, kind: ReplacementKind): string => (kind === 'SAME' ? skuOf(orderId, lineId) : `${skuOf(orderId, lineId)}-${kind}`);

/** The catalogue of an order's lines (`skus`): stock 3 for the same SKU and for the other of the same price (the sell-out command empties the latter). */
export function skusFor(doc: Record<string, any>): Record<string, unknown>[] {
  return (doc.lines as any[]).flatMap((l) => [
    { _id: replacementSku(doc._id, l.lineId, 'SAME'), productId: l.productId, title: `${l.title} 原规格`, attrs: { 规格: '原规格' }, price: l.unitPrice, stock: 3 },
    { _id: replacementSku(doc._id, l.lineId, 'ALT'), productId: l.productId, title: `${l.title} 另一规格`, attrs: { 规格: '另一规格' }, price: l.unitPrice, stock: 3 },
    { _id: replacementSku(doc._id, l.lineId, 'PRICE'), productId: l.productId, title: `${l.title} 加价规格`, attrs: { 规格: '加价规格' }, price: l.unitPrice + 100, stock: 9 },
  ]);
}

export function orderFor(kind: OrderKind, orderId: string, now: number, buyerOpenid: string): { doc: Record<string, unknown>; model: ModelOrder } {
  const date = (ms: number) => ({ $date: new Date(ms).toISOString() });
  const mk = (lineId: string, quantity: number, paidAmount: number, title: string) => ({
    lineId,
    skuId: skuOf(orderId, lineId),
    productId: `P-${orderId}-${lineId}`,
    title,
    quantity,
    unitPrice: Math.ceil(paidAmount / quantity),
    paidAmount,
  });
  let lines: ReturnType<typeof mk>[];
  let shippingFee: number;
  let payments: { outTradeNo: string; channel: string; amount: number; paidAt: unknown; kind: string }[];
  let status: string;
  const times: Record<string, unknown> = {};
  if (kind === 'SHIPPED') {
    lines = [mk('L1', 2, 9990, '模型商品甲'), mk('L2', 1, 6000, '模型商品乙'), mk('SKU.9', 1, 9000, '模型商品丙')];
    shippingFee = 800;
    status = 'RECEIVED';
    const total = lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
    payments = [{ outTradeNo: `T${orderId}`, channel: 'WECHAT_PAY', amount: total, paidAt: date(now - 3 * DAY), kind: 'FULL' }];
    Object.assign(times, { paidAt: date(now - 3 * DAY), shippedAt: date(now - 2 * DAY), receivedAt: date(now - 1 * DAY) });
  } else if (kind === 'UNSHIPPED') {
    lines = [mk('L1', 2, 9999, '模型商品丁'), mk('L2', 1, 4500, '模型商品戊')];
    shippingFee = 600;
    status = 'PAID';
    const total = lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
    payments = [{ outTradeNo: `T${orderId}`, channel: 'WECHAT_PAY', amount: total, paidAt: date(now - 1 * DAY), kind: 'FULL' }];
    Object.assign(times, { paidAt: date(now - 1 * DAY) });
  } else {
    lines = [mk('L1', 2, 12000, '预售商品甲'), mk('L2', 1, 5000, '预售商品乙')];
    shippingFee = 500;
    status = 'RECEIVED';
    const total = lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
    payments = [
      { outTradeNo: `T${orderId}A`, channel: 'WECHAT_PAY', amount: 3000, paidAt: date(now - 6 * DAY), kind: 'DEPOSIT' },
      { outTradeNo: `T${orderId}B`, channel: 'WECHAT_PAY', amount: total - 3000, paidAt: date(now - 3 * DAY), kind: 'BALANCE' },
    ];
    Object.assign(times, { paidAt: date(now - 3 * DAY), shippedAt: date(now - 2 * DAY), receivedAt: date(now - 1 * DAY) });
  }
  const doc = { _id: orderId, buyerOpenid, status, ...times, shippingFee, payments, lines };
  return {
    doc,
    model: {
      orderId,
      kind,
      shipped: status !== 'PAID',
      shippingFee,
      lines: lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity, paidAmount: l.paidAmount })),
      payments: payments.map((p) => ({ outTradeNo: p.outTradeNo, amount: p.amount })),
    },
  };
}
