import { CronError, cronMatches, nextCronTime, parseCron } from '../../../scripts/emulator/timers/cron';

/** An instant given as wall time in UTC+8. */
const cst = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) - 8 * 3600e3;

describe('cron parser (7 fields, UTC+8)', () => {
  test('fields: numbers, *, lists, ranges, steps', () => {
    const s = parseCron('0 */15 9-11,14 * * * *');
    expect([...s.seconds]).toEqual([0]);
    expect([...s.minutes]).toEqual([0, 15, 30, 45]);
    expect([...s.hours]).toEqual([9, 10, 11, 14]);
    expect(s.days.size).toBe(31);
    expect(s.dayRestricted).toBe(false);
    expect(parseCron('0 0 0 1-10/3 * * *').days).toEqual(new Set([1, 4, 7, 10]));
    expect(parseCron('5/20 * * * * * *').seconds).toEqual(new Set([5, 25, 45]));
  });

  test('names and Sunday as 0 or 7, ? in day fields', () => {
    const s = parseCron('0 0 8 ? JAN-MAR MON,FRI,7 *');
    expect(s.months).toEqual(new Set([1, 2, 3]));
    expect(s.weekdays).toEqual(new Set([1, 5, 0]));
    expect(s.dayRestricted).toBe(false);
    expect(s.weekdayRestricted).toBe(true);
  });

  test('rejects malformed expressions', () => {
    for (const bad of [
      '0 0 * * * *',
      '60 * * * * * *',
      '0 0 25 * * * *',
      '0 0 0 0 * * *',
      '0 0 0 * 13 * *',
      '? * * * * * *',
      '0 0 0 * * * 1969',
      'a * * * * * *',
      '0 0 5-2 * * * *',
      '*/0 * * * * * *',
      '',
    ]) {
      expect(() => parseCron(bad)).toThrow(CronError);
    }
  });

  test('next slot: every 5 minutes, in UTC+8', () => {
    const from = cst(2025, 3, 10, 12, 3, 17);
    expect(nextCronTime('0 */5 * * * * *', from)).toBe(cst(2025, 3, 10, 12, 5, 0));
    // strictly after: a slot instant itself is not returned again
    expect(nextCronTime('0 */5 * * * * *', cst(2025, 3, 10, 12, 5, 0))).toBe(cst(2025, 3, 10, 12, 10, 0));
  });

  test('daily at 02:00 China time is 18:00 UTC the day before', () => {
    const next = nextCronTime('0 0 2 * * * *', Date.UTC(2025, 0, 1, 12, 0, 0))!;
    expect(new Date(next).toISOString()).toBe('2025-01-01T18:00:00.000Z');
  });

  test('rolls over months, years and leap days', () => {
    expect(nextCronTime('0 0 0 29 2 * *', cst(2025, 3, 1))).toBe(cst(2028, 2, 29));
    expect(nextCronTime('0 30 23 31 12 * *', cst(2025, 12, 31, 23, 30, 1))).toBe(cst(2026, 12, 31, 23, 30));
    expect(nextCronTime('0 0 0 31 * * *', cst(2025, 4, 1))).toBe(cst(2025, 5, 31));
  });

  test('weekday and day-of-month: either matches when both are restricted', () => {
    // 2025-06-01 is a Sunday.
    expect(nextCronTime('0 0 9 ? * MON *', cst(2025, 6, 1))).toBe(cst(2025, 6, 2, 9));
    expect(nextCronTime('0 0 9 15 * MON *', cst(2025, 6, 1))).toBe(cst(2025, 6, 2, 9));
    expect(nextCronTime('0 0 9 15 * ? *', cst(2025, 6, 1))).toBe(cst(2025, 6, 15, 9));
  });

  test('years field limits the schedule; none left → null', () => {
    expect(nextCronTime('0 0 0 1 1 * 2030', cst(2025, 1, 1))).toBe(cst(2030, 1, 1));
    expect(nextCronTime('0 0 0 1 1 * 2024', cst(2025, 1, 1))).toBeNull();
  });

  test('cronMatches agrees with nextCronTime', () => {
    const expr = '15 10 */6 * * 1-5 *';
    let t = cst(2025, 6, 1);
    for (let i = 0; i < 20; i++) {
      const n = nextCronTime(expr, t)!;
      expect(cronMatches(expr, n)).toBe(true);
      expect(cronMatches(expr, n - 1000)).toBe(false);
      t = n;
    }
  });
});
