import fc from 'fast-check';
import { largestRemainder, yuanToFen } from '../../cloudfunctions/core/orders/money';
import { OrderShapeError } from '../../cloudfunctions/core/orders/errors';

describe('yuanToFen: exact, no floating point', () => {
  it('decimal text of yuan → fen, against exact integer arithmetic', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.constantFrom('', '.x', '.xx'), fc.nat({ max: 99 }), (yuan, form, cents) => {
        const frac = form === '' ? '' : form === '.x' ? `.${Math.floor(cents / 10)}` : `.${String(cents).padStart(2, '0')}`;
        const expected = yuan * 100n + (form === '' ? 0n : form === '.x' ? BigInt(Math.floor(cents / 10)) * 10n : BigInt(cents));
        expect(BigInt(yuanToFen(`${yuan}${frac}`, 'f'))).toBe(expected);
      }),
      { seed: 20261206, numRuns: 2000 },
    );
  });

  it('a number that prints as a decimal of yuan gives the same fen (0.1 + 0.2 is refused, never rounded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), (fen) => {
        expect(yuanToFen(fen / 100, 'f')).toBe(fen);
      }),
      { seed: 7, numRuns: 2000 },
    );
    expect(() => yuanToFen(0.1 + 0.2, 'total_fee')).toThrow(OrderShapeError);
  });

  it.each([['-1.00'], ['1.234'], ['1,000.00'], ['1e3'], [''], ['¥12'], [' . ']])('refuses %p, naming the field', (v) => {
    expect(() => yuanToFen(v, 'items[0].price')).toThrow(/^items\[0\]\.price: /);
  });
});

describe('largestRemainder: spreads exactly', () => {
  it('Σ shares = total, each within one fen of its exact proportion', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 8 }), (total, weights) => {
        const shares = largestRemainder(total, weights);
        expect(shares.reduce((s, x) => s + x, 0)).toBe(total);
        const W = weights.reduce((s, w) => s + w, 0);
        if (W > 0) shares.forEach((x, i) => expect(Math.abs(x * W - total * weights[i])).toBeLessThan(W));
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
  it('ties go to the earlier weight', () => {
    expect(largestRemainder(1, [1, 1])).toEqual([1, 0]);
    expect(largestRemainder(2000, [9500, 9500, 4000])).toEqual([826, 826, 348]);
  });
});
