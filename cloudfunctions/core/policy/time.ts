/**
 * Time helpers. Instants are UTC `Date`s; calendar-day arithmetic ("the day
 * after 签收", "23:59:59 of day N") happens in Asia/Shanghai, whatever the
 * machine's own zone is. Pure: `now` is always a parameter.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';
import timezone from 'dayjs/plugin/timezone';

dayjs.extend(utc);
dayjs.extend(timezone);

export const SHOP_TZ = 'Asia/Shanghai';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** 23:59:59.999 Asia/Shanghai of the calendar day `days` after the day of `at`. */
export function endOfShopDayAfter(at: Date, days: number): Date {
  // Calendar arithmetic on the Shanghai date string, then back to an instant:
  // dayjs' tz plugin drifts by the machine zone's DST when add/endOf follow .tz().
  const ymd = dayjs(at).tz(SHOP_TZ).format('YYYY-MM-DD');
  const target = dayjs.utc(ymd).add(days, 'day').format('YYYY-MM-DD');
  return dayjs.tz(`${target} 23:59:59.999`, SHOP_TZ).toDate();
}

/** Calendar date (YYYY-MM-DD) of an instant in Asia/Shanghai. */
export function shopDate(at: Date): string {
  return dayjs(at).tz(SHOP_TZ).format('YYYY-MM-DD');
}

/** yyyymmdd of an instant in Asia/Shanghai (return numbers: R + yyyymmdd + digits). */
export function shopDateCompact(at: Date): string {
  return dayjs(at).tz(SHOP_TZ).format('YYYYMMDD');
}

/** Human Chinese date-time in Asia/Shanghai, e.g. 2026-11-22 18:30. */
export function formatShopTime(at: Date): string {
  return dayjs(at).tz(SHOP_TZ).format('YYYY-MM-DD HH:mm');
}

export function addHours(at: Date, hours: number): Date {
  return new Date(at.getTime() + hours * HOUR_MS);
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** Accepts Date | ISO string | epoch ms | EJSON {$date} and returns a Date (or undefined). */
export function toDate(v: unknown): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  if (typeof v === 'object' && '$date' in v) return toDate(v.$date);
  return undefined;
}
