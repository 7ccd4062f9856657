/**
 * The preview the mini-program shows before a buyer applies (and the check
 * apply itself runs): every refusal, the amounts computed from the order, who
 * pays return shipping, the deadline the merchant will have, and until when
 * the buyer may still apply. Pure.
 */
import { checkEligibility } from './eligibility';
import { supersededReturns } from './eligibility/rules/oneOpenPerLine';
import type { EligibilityContext } from './eligibility/context';
import { computeReturnAmounts } from './amounts';
import { freightPayer } from './reasons';
import { addHours } from './time';
import type { FreightPayer, Refusal, ReturnAmounts, ReturnLine, Sku } from './types';
import { exchangeFreight, type ExchangeFreight } from './exchange/postage';

/** What an exchange (换货) will swap, who pays postage each way, and how long each side has. */
export interface ExchangePreview {
  replacements: { lineId: string; quantity: number; skuId: string; title: string; attrs: Record<string, string>; price: number }[];
  freight: ExchangeFreight;
  /** Hours the shop has to ship the replacement once the goods are back (else: refunded). */
  reshipHours: number;
  /** Days the buyer has to confirm the replacement (else: confirmed for them). */
  confirmDays: number;
}

export interface PreviewResult {
  eligible: boolean;
  refusals: Refusal[];
  /** Computed on the server from the order; null when not eligible. */
  amounts: ReturnAmounts | null;
  lines: ReturnLine[];
  freightPayer: FreightPayer;
  /** When the merchant must have reviewed it (PENDING_REVIEW deadline), if applied now. */
  deadline: Date | null;
  /** Until when this request could still be made (earliest applicable window). */
  windowEndsAt: Date | null;
  /** REJECTED after-sales of these lines that applying withdraws (see supersededReturns). */
  supersedes: string[];
  /** 换货 only (null otherwise, or when not eligible): an exchange moves no money, so `amounts` is all 0. */
  exchange: ExchangePreview | null;
}

const NO_MONEY: ReturnAmounts = Object.freeze({ items: 0, shipping: 0, total: 0 });

function exchangePreview(ctx: EligibilityContext, lines: ReturnLine[]): ExchangePreview {
  const replacements = lines.map((l) => {
    const chosen = (ctx.replacements ?? []).find((r) => r.lineId === l.lineId);
    const sku = (ctx.skus ?? []).find((s) => s._id === chosen?.skuId) as Sku;
    return { lineId: l.lineId, quantity: l.quantity, skuId: sku._id, title: sku.title, attrs: { ...sku.attrs }, price: sku.price };
  });
  return { replacements, freight: exchangeFreight(ctx.reason), reshipHours: ctx.policy.reshipHours, confirmDays: ctx.policy.exchangeConfirmDays };
}

export function previewReturn(ctx: EligibilityContext): PreviewResult {
  const verdict = checkEligibility(ctx);
  const computed = verdict.eligible
    ? computeReturnAmounts({
        order: ctx.order,
        lines: ctx.lines,
        reason: ctx.reason,
        priorReturns: ctx.priorReturns,
        excludeReturnId: ctx.excludeReturnId,
      })
    : null;
  const exchange = verdict.eligible && ctx.type === 'EXCHANGE' && computed ? exchangePreview(ctx, computed.lines) : null;
  return {
    eligible: verdict.eligible,
    refusals: verdict.refusals,
    amounts: exchange ? { ...NO_MONEY } : (computed?.amounts ?? null),
    lines: computed?.lines ?? [],
    freightPayer: freightPayer(ctx.reason),
    deadline: verdict.eligible ? addHours(ctx.now, ctx.policy.merchantReviewHours) : null,
    windowEndsAt: verdict.windowEndsAt,
    supersedes: verdict.eligible ? supersededReturns(ctx) : [],
    exchange,
  };
}
