import { REASONS, REASON_CODES, freightPayer, reasonSide } from '../../cloudfunctions/core/policy/reasons';

describe('reasons table', () => {
  it('lists the nine reasons of domain.md, and 尺码/颜色不合适 for exchanges, with Chinese labels and sides', () => {
    expect(REASON_CODES.sort()).toEqual(
      ['DAMAGED', 'MISSING_PARTS', 'NOT_AS_DESCRIBED', 'NOT_RECEIVED', 'NO_LONGER_WANTED', 'OTHER', 'QUALITY_ISSUE', 'SIZE_COLOR', 'WRONG_ITEM', 'WRONG_ORDER'].sort(),
    );
    expect(REASONS.NO_LONGER_WANTED.label).toBe('不想要了');
    expect(REASONS.WRONG_ORDER.label).toBe('拍错/多拍');
    expect(REASONS.MISSING_PARTS.label).toBe('少件/漏发');
    for (const code of ['NO_LONGER_WANTED', 'WRONG_ORDER', 'OTHER'] as const) expect(reasonSide(code)).toBe('BUYER');
    for (const code of ['QUALITY_ISSUE', 'DAMAGED', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_DESCRIBED', 'NOT_RECEIVED'] as const) expect(reasonSide(code)).toBe('SELLER');
  });

  it('seller-side reasons need photo evidence, except NOT_RECEIVED; buyer-side never', () => {
    const needing = REASON_CODES.filter((c) => REASONS[c].evidenceRequired).sort();
    expect(needing).toEqual(['DAMAGED', 'MISSING_PARTS', 'NOT_AS_DESCRIBED', 'QUALITY_ISSUE', 'WRONG_ITEM']);
  });

  it('freight payer follows the fault side', () => {
    expect(freightPayer('NO_LONGER_WANTED')).toBe('BUYER');
    expect(freightPayer('OTHER')).toBe('BUYER');
    expect(freightPayer('DAMAGED')).toBe('SELLER');
    expect(freightPayer('NOT_RECEIVED')).toBe('SELLER');
  });
});
