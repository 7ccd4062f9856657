/**
 * Input of the eligibility rules (domain.md "Eligibility") and the small helpers
 * the rules share. Everything here is pure: `now` is a parameter.
 */
import type { Order, OrderLine, Policy, PriorReturn, ReasonCode, Refusal, RequestedLine, RequestedReplacement, ReturnStatus, ReturnType, Sku } from '../types';
import { REASONS, type ReasonInfo } from '../reasons';
import { holdsUnits, isOpen } from '../../machine/statuses';
import { supersedable } from '../../machine/supersede';

export interface EligibilityContext {
  order: Order;
  /** OPENID of the caller (from the WX context, never from the event). */
  callerOpenid: string;
  type: ReturnType;
  reason: ReasonCode;
  lines: RequestedLine[];
  /** How many evidence files (photos, ...) come with the application. */
  evidenceCount: number;
  /** All after-sales of this order, whatever their status. */
  priorReturns: PriorReturn[];
  /** 换货: the replacement SKU chosen per requested line. */
  replacements?: RequestedReplacement[];
  /** 换货: the shop's SKUs the replacements name (read from `skus`; a missing one is absent). */
  skus?: Sku[];
  /** The after-sale being modified (its open lines / units do not block itself). */
  excludeReturnId?: string;
  now: Date;
  policy: Policy;
}

/** One rule: returns every refusal it finds (empty when the rule passes). */
export type EligibilityRule = (ctx: EligibilityContext) => Refusal[];

/** Machine codes of refusals. Use these instead of string literals. */
export const ELIGIBILITY_CODES = Object.freeze({
  // rule 1
  NOT_ORDER_OWNER: 'NOT_ORDER_OWNER',
  ORDER_CANCELLED: 'ORDER_CANCELLED',
  ORDER_NOT_PAID: 'ORDER_NOT_PAID',
  // rule 2
  TYPE_NOT_ALLOWED: 'TYPE_NOT_ALLOWED',
  // rule 3
  LINES_EMPTY: 'LINES_EMPTY',
  LINE_DUPLICATE: 'LINE_DUPLICATE',
  LINE_NOT_FOUND: 'LINE_NOT_FOUND',
  QUANTITY_INVALID: 'QUANTITY_INVALID',
  QUANTITY_EXCEEDED: 'QUANTITY_EXCEEDED',
  // rule 4
  RETURN_ALREADY_OPEN: 'RETURN_ALREADY_OPEN',
  ATTEMPTS_EXCEEDED: 'ATTEMPTS_EXCEEDED',
  // rules 5, 6
  NO_REASON_WINDOW_CLOSED: 'NO_REASON_WINDOW_CLOSED',
  QUALITY_WINDOW_CLOSED: 'QUALITY_WINDOW_CLOSED',
  // rule 7
  NO_REASON_EXEMPT: 'NO_REASON_EXEMPT',
  // rule 8
  PAYMENT_WINDOW_CLOSED: 'PAYMENT_WINDOW_CLOSED',
  // reason + evidence
  REASON_INVALID: 'REASON_INVALID',
  EVIDENCE_REQUIRED: 'EVIDENCE_REQUIRED',
  // 换货
  REPLACEMENT_REQUIRED: 'REPLACEMENT_REQUIRED',
  REPLACEMENT_NOT_ALLOWED: 'REPLACEMENT_NOT_ALLOWED',
  REPLACEMENT_NOT_FOUND: 'REPLACEMENT_NOT_FOUND',
  REPLACEMENT_OTHER_PRODUCT: 'REPLACEMENT_OTHER_PRODUCT',
  REPLACEMENT_PRICE_DIFFERS: 'REPLACEMENT_PRICE_DIFFERS',
  REPLACEMENT_OUT_OF_STOCK: 'REPLACEMENT_OUT_OF_STOCK',
} as const);

export type EligibilityCode = (typeof ELIGIBILITY_CODES)[keyof typeof ELIGIBILITY_CODES];

export function refusal(code: EligibilityCode, message: string, lineId?: string): Refusal {
  return lineId === undefined ? { code, message } : { code, lineId, message };
}

/** Open = not terminal (machine/statuses.ts). */
export function isOpenReturn(status: ReturnStatus): boolean {
  return isOpen(status);
}

/** Holds its units (machine/statuses.ts: all but CANCELLED / CLOSED; REFUNDED and REJECTED included). */
export function holdsItsUnits(status: ReturnStatus): boolean {
  return holdsUnits(status);
}

/**
 * A new application for its lines withdraws it (machine/transitions.ts
 * `isSupersedable`: a REJECTED after-sale the buyer can still cancel, i.e.
 * whose goods were never sent).
 */
export function isSupersedable(r: PriorReturn): boolean {
  return supersedable({ status: r.status, hasLogistics: r.shipped !== false });
}

/** The reason's table entry, or undefined when the code is not a known reason. */
export function reasonInfo(code: unknown): ReasonInfo | undefined {
  if (typeof code !== 'string' || !Object.prototype.hasOwnProperty.call(REASONS, code)) return undefined;
  return REASONS[code as ReasonCode];
}

export function requestedLines(ctx: EligibilityContext): RequestedLine[] {
  return Array.isArray(ctx.lines) ? ctx.lines : [];
}

/** Requested lineIds, each once, in request order. */
export function uniqueRequestedLineIds(ctx: EligibilityContext): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of requestedLines(ctx)) {
    if (!l || typeof l.lineId !== 'string' || seen.has(l.lineId)) continue;
    seen.add(l.lineId);
    out.push(l.lineId);
  }
  return out;
}

export function findOrderLine(order: Order, lineId: string): OrderLine | undefined {
  return (order.lines ?? []).find((l) => l.lineId === lineId);
}

export function priorReturns(ctx: EligibilityContext): PriorReturn[] {
  return Array.isArray(ctx.priorReturns) ? ctx.priorReturns : [];
}

export function returnContainsLine(r: PriorReturn, lineId: string): boolean {
  return (r.lines ?? []).some((l) => l.lineId === lineId);
}

/** Units of `lineId` in the after-sale `r` (0 when absent). */
export function unitsInReturn(r: PriorReturn, lineId: string): number {
  let n = 0;
  for (const l of r.lines ?? []) {
    if (l.lineId === lineId && Number.isFinite(l.quantity) && l.quantity > 0) n += l.quantity;
  }
  return n;
}
