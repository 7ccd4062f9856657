/**
 * Shared fixtures for policy tests: orders, lines, payments, prior after-sales
 * and eligibility contexts, with consistent money (Σ lines.paidAmount +
 * shippingFee = Σ payments.amount) unless a test overrides it on purpose.
 *
 * Default order (status RECEIVED, owned by BUYER):
 *   paid     2026-01-20T02:00:00Z (2026-01-20 10:00 Shanghai)
 *   shipped  2026-01-22T02:00:00Z
 *   received 2026-01-31T16:30:00Z (2026-02-01 00:30 Shanghai — crosses midnight and a month end)
 *   L1: 2 × 5000, paid 9000 (coupon apportioned); L2: 1 × 3000, paid 3000; shippingFee 1000
 *   one WECHAT_PAY payment of 13000.
 */
import type { EligibilityContext } from '../../cloudfunctions/core/policy/eligibility/context';
import { DEFAULT_POLICY } from '../../cloudfunctions/core/policy/settings';
import type { Order, OrderLine, Payment, Policy, PriorReturn, ReturnLine } from '../../cloudfunctions/core/policy/types';

export const BUYER = 'o_buyer_openid_0001';
export const OTHER_BUYER = 'o_other_openid_0002';

/** Date from an ISO string; throws on a typo so fixtures cannot silently become Invalid Date. */
export function at(iso: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`bad date in fixture: ${iso}`);
  return d;
}

/** Milliseconds after/before an instant. */
export function plusMs(d: Date, ms: number): Date {
  return new Date(d.getTime() + ms);
}

export const PAID_AT = at('2026-01-20T02:00:00Z');
export const SHIPPED_AT = at('2026-01-22T02:00:00Z');
export const RECEIVED_AT = at('2026-01-31T16:30:00Z');

let lineSeq = 0;

/** An order line; quantity × unitPrice is the default paidAmount. */
export function makeLine(overrides: Partial<OrderLine> = {}): OrderLine {
  lineSeq += 1;
  const quantity = overrides.quantity ?? 1;
  const unitPrice = overrides.unitPrice ?? 1000;
  return {
    lineId: overrides.lineId ?? `L${lineSeq}`,
    skuId: overrides.skuId ?? `SKU-${overrides.lineId ?? lineSeq}`,
    title: overrides.title ?? `测试商品${overrides.lineId ?? lineSeq}`,
    quantity,
    unitPrice,
    paidAmount: overrides.paidAmount ?? quantity * unitPrice,
    ...overrides,
  };
}

export function makePayment(overrides: Partial<Payment> = {}): Payment {
  return {
    outTradeNo: 'T202601200001',
    transactionId: '4200000000202601200001',
    channel: 'WECHAT_PAY',
    amount: 0,
    paidAt: PAID_AT,
    kind: 'FULL',
    ...overrides,
  };
}

export function defaultLines(): OrderLine[] {
  return [
    makeLine({ lineId: 'L1', title: '纯棉T恤', quantity: 2, unitPrice: 5000, paidAmount: 9000 }),
    makeLine({ lineId: 'L2', title: '帆布袋', quantity: 1, unitPrice: 3000, paidAmount: 3000 }),
  ];
}

/**
 * An order; `payments` defaults to one full payment of Σ paidAmount + shippingFee
 * (computed from the overridden lines/shippingFee/paidAt when given).
 */
export function makeOrder(overrides: Partial<Order> = {}): Order {
  const lines = overrides.lines ?? defaultLines();
  const shippingFee = overrides.shippingFee ?? 1000;
  const paidAt = overrides.paidAt ?? PAID_AT;
  const total = lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
  return {
    _id: 'O202601200001',
    buyerOpenid: BUYER,
    status: 'RECEIVED',
    paidAt,
    shippedAt: SHIPPED_AT,
    receivedAt: RECEIVED_AT,
    shippingFee,
    payments: overrides.payments ?? [makePayment({ amount: total, paidAt })],
    lines,
    ...overrides,
  };
}

/** An order that is paid but not shipped yet (no shippedAt / receivedAt). */
export function makeUnshippedOrder(overrides: Partial<Order> = {}): Order {
  const o = makeOrder({ status: 'PAID', ...overrides });
  if (!('shippedAt' in overrides)) delete o.shippedAt;
  if (!('receivedAt' in overrides)) delete o.receivedAt;
  return o;
}

let returnSeq = 0;

/** A prior after-sale of the order; `lines` may be given as [lineId, quantity] pairs. */
export function makePriorReturn(overrides: Partial<Omit<PriorReturn, 'lines'>> & { lines?: ReturnLine[] | Array<[string, number]> } = {}): PriorReturn {
  returnSeq += 1;
  const { lines: rawLines, ...rest } = overrides;
  const lines: ReturnLine[] = (rawLines ?? [['L1', 1]]).map((l) => (Array.isArray(l) ? { lineId: l[0], quantity: l[1], amount: 0 } : l));
  return {
    returnId: `R20260201${String(returnSeq).padStart(4, '0')}`,
    status: 'PENDING_REVIEW',
    type: 'RETURN_REFUND',
    reason: 'NO_LONGER_WANTED',
    lines,
    ...rest,
  };
}

export function makePolicy(overrides: Partial<Policy> = {}): Policy {
  return { ...DEFAULT_POLICY, ...overrides };
}

/**
 * An eligible-by-default eligibility context: the owner asks RETURN_REFUND for
 * 1 × L1, NO_LONGER_WANTED, at 2026-02-03 12:00 Shanghai (inside every window).
 */
export function makeEligibilityContext(overrides: Partial<EligibilityContext> = {}): EligibilityContext {
  return {
    order: makeOrder(),
    callerOpenid: BUYER,
    type: 'RETURN_REFUND',
    reason: 'NO_LONGER_WANTED',
    lines: [{ lineId: 'L1', quantity: 1 }],
    evidenceCount: 0,
    priorReturns: [],
    now: at('2026-02-03T04:00:00Z'),
    policy: makePolicy(),
    ...overrides,
  };
}

/** Chinese text check: at least one CJK ideograph. */
export const CHINESE = /[\u4e00-\u9fff]/;
