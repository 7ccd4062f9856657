import { attemptsUsed, checkAttempts } from '../../../cloudfunctions/core/policy/eligibility/rules/attempts';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { ReturnStatus } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, makeEligibilityContext, makePolicy, makePriorReturn } from '../fixtures';

const pairs = (r: { code: string; lineId?: string }[]) => r.map((x) => [x.code, x.lineId]);
const closedOn = (lineId: string, n: number, status: ReturnStatus = 'CLOSED') => Array.from({ length: n }, () => makePriorReturn({ status, lines: [[lineId, 1]] }));

describe('rule 4b: at most maxAttemptsPerLine applications + modifications per line', () => {
  it('accepts the 5th attempt (4 prior after-sales, each counting 1 by default)', () => {
    const ctx = makeEligibilityContext({ priorReturns: closedOn('L1', 4) });
    expect(attemptsUsed(ctx, 'L1')).toBe(4);
    expect(checkAttempts(ctx)).toEqual([]);
  });

  it('refuses the 6th attempt with ATTEMPTS_EXCEEDED naming the limit', () => {
    const r = checkAttempts(makeEligibilityContext({ priorReturns: closedOn('L1', 5) }));
    expect(pairs(r)).toEqual([[C.ATTEMPTS_EXCEEDED, 'L1']]);
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('5次');
  });

  it('counts after-sales in every status (cancelled and refunded too)', () => {
    const priorReturns = [
      makePriorReturn({ status: 'CANCELLED', lines: [['L1', 1]], attempts: 2 }),
      makePriorReturn({ status: 'REFUNDED', lines: [['L1', 1]], attempts: 1 }),
      makePriorReturn({ status: 'CLOSED', lines: [['L1', 1]], attempts: 2 }),
    ];
    expect(pairs(checkAttempts(makeEligibilityContext({ priorReturns })))).toEqual([[C.ATTEMPTS_EXCEEDED, 'L1']]);
  });

  it('uses each after-sale`s attempts field', () => {
    const ok = makeEligibilityContext({ priorReturns: [makePriorReturn({ status: 'CLOSED', attempts: 4 })] });
    expect(checkAttempts(ok)).toEqual([]);
    const over = makeEligibilityContext({ priorReturns: [makePriorReturn({ status: 'CLOSED', attempts: 5 })] });
    expect(pairs(checkAttempts(over))).toEqual([[C.ATTEMPTS_EXCEEDED, 'L1']]);
  });

  it('counts the modified after-sale`s attempts plus 1 for the modification', () => {
    const modified = makePriorReturn({ status: 'REJECTED', lines: [['L1', 1]], attempts: 4 });
    const ctx = makeEligibilityContext({ priorReturns: [modified], excludeReturnId: modified.returnId });
    expect(checkAttempts(ctx)).toEqual([]);
    const again = { ...modified, attempts: 5 };
    const r = checkAttempts(makeEligibilityContext({ priorReturns: [again], excludeReturnId: again.returnId }));
    expect(pairs(r)).toEqual([[C.ATTEMPTS_EXCEEDED, 'L1']]);
  });

  it('counts per line: attempts on another line do not count', () => {
    const ctx = makeEligibilityContext({
      priorReturns: closedOn('L2', 5),
      lines: [
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L2', quantity: 1 },
      ],
    });
    expect(pairs(checkAttempts(ctx))).toEqual([[C.ATTEMPTS_EXCEEDED, 'L2']]);
  });

  it('follows policy.maxAttemptsPerLine', () => {
    const ctx = makeEligibilityContext({ priorReturns: closedOn('L1', 2), policy: makePolicy({ maxAttemptsPerLine: 2 }) });
    const r = checkAttempts(ctx);
    expect(pairs(r)).toEqual([[C.ATTEMPTS_EXCEEDED, 'L1']]);
    expect(r[0].message).toContain('2次');
  });
});
