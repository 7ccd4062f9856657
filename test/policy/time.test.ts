import { endOfShopDayAfter, shopDate, shopDateCompact } from '../../cloudfunctions/core/policy/time';

describe('Shanghai day arithmetic', () => {
  it('ends the window at 23:59:59.999 +08:00 of received-date + N, across a month end', () => {
    // 2026-01-31T16:30Z is 2026-02-01 00:30 in Shanghai.
    expect(endOfShopDayAfter(new Date('2026-01-31T16:30:00Z'), 7).toISOString()).toBe('2026-02-08T15:59:59.999Z');
  });
  it('uses the Shanghai date, not the UTC date, just before Shanghai midnight', () => {
    // 2026-03-31T15:59Z is 2026-03-31 23:59 in Shanghai.
    expect(endOfShopDayAfter(new Date('2026-03-31T15:59:00Z'), 7).toISOString()).toBe('2026-04-07T15:59:59.999Z');
  });
  it('crosses a year end', () => {
    expect(endOfShopDayAfter(new Date('2026-12-28T02:00:00Z'), 7).toISOString()).toBe('2027-01-04T15:59:59.999Z');
  });
  it('formats dates in Shanghai', () => {
    expect(shopDate(new Date('2026-01-31T16:30:00Z'))).toBe('2026-02-01');
    expect(shopDateCompact(new Date('2026-01-31T15:59:59Z'))).toBe('20260131');
  });
});
