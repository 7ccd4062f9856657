import fc from 'fast-check';
import { endOfShopDayAfter, endOfShopDayAfterByZone, formatByZone, formatShopTime, shopDate, shopDateCompact } from '../../cloudfunctions/core/policy/time';

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

describe('the fixed +08:00 reading agrees with the Asia/Shanghai zone rules', () => {
  const instants = fc.integer({ min: Date.UTC(1992, 0, 1), max: Date.UTC(2200, 0, 1) }).map((t) => new Date(t));

  it('dates, compact dates and times, any instant from 1992 on', () => {
    fc.assert(
      fc.property(instants, (at) => {
        expect(shopDate(at)).toBe(formatByZone(at, 'YYYY-MM-DD'));
        expect(shopDateCompact(at)).toBe(formatByZone(at, 'YYYYMMDD'));
        expect(formatShopTime(at)).toBe(formatByZone(at, 'YYYY-MM-DD HH:mm'));
      }),
      { numRuns: 2000, seed: 20261206 },
    );
  });

  it('the end of the Shanghai day N days later, forwards and back, N fractional too (a shop setting may be 7.5)', () => {
    const counts = fc.oneof(fc.integer({ min: -400, max: 400 }), fc.double({ min: -400, max: 400, noNaN: true }), fc.constantFrom(7.5, 2.5, -0.5, 0.49, 1.5));
    fc.assert(
      fc.property(instants, counts, (at, days) => {
        expect(endOfShopDayAfter(at, days).toISOString()).toBe(endOfShopDayAfterByZone(at, days).toISOString());
      }),
      { numRuns: 1000, seed: 20261207 },
    );
  });

  it('before 1992 the zone rules apply: the summer time of 1986–1991 (UTC+9)', () => {
    // 1988-06-01T15:30Z: 00:30 on 2 June under that year's summer time, 23:30 on 1 June at +08:00.
    const at = new Date('1988-06-01T15:30:00Z');
    expect(shopDate(at)).toBe('1988-06-02');
    expect(formatShopTime(at)).toBe('1988-06-02 00:30');
    expect(endOfShopDayAfter(at, 0).toISOString()).toBe('1988-06-02T14:59:59.999Z');
  });
});
