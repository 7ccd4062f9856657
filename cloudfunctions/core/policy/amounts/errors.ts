/**
 * Programming-error signal of the amounts module: an input that the callers
 * (eligibility, the functions) must have refused before asking for an amount
 * (unknown line, quantity out of range, non-integer money...). Business
 * outcomes are never thrown from here except by `splitAcrossPayments`, which
 * throws `RefundSplitError` (see splitPayments.ts).
 */
export class AmountInputError extends RangeError {
  readonly code = 'AMOUNT_INPUT_INVALID' as const;
  constructor(message: string) {
    super(message);
    this.name = 'AmountInputError';
  }
}

export function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
