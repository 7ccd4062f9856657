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

/**
 * Asia/Shanghai has kept UTC+8 without daylight saving since 1991-09-15 (IANA
 * tz database): from 1992 on its wall clock is the instant plus 8 hours, read
 * here without the tz plugin (which asks Intl for every date, a good part of
 * a function's CPU). Earlier instants go through the plugin and the zone's
 * rules; test/policy/time.test.ts checks both ways agree.
 */
const FIXED_OFFSET_FROM = Date.UTC(1992, 0, 1);
/** …and up to where a date is written with four digits of year. */
const FIXED_OFFSET_UNTIL = Date.UTC(9000, 0, 1);
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;

/** The Shanghai wall clock of `at` as an ISO-like string (YYYY-MM-DDTHH:mm:ss.sssZ, the Z meaning nothing), or undefined outside 1992–8999. */
function shanghaiWallIso(at: Date): string | undefined {
  const t = at.getTime();
  return t >= FIXED_OFFSET_FROM && t < FIXED_OFFSET_UNTIL ? new Date(t + SHANGHAI_OFFSET_MS).toISOString() : undefined;
}

/** 23:59:59.999 Asia/Shanghai of the calendar day `days` after the day of `at`. */
export function endOfShopDayAfter(at: Date, days: number): Date {
  const wall = shanghaiWallIso(at);
  if (wall) {
    const [y, m, d] = wall.slice(0, 10).split('-').map(Number);
    // a fractional count of days (a shop's setting may be one) rounds as dayjs' add does
    const end = Date.UTC(y, m - 1, d + Math.round(days), 23, 59, 59, 999) - SHANGHAI_OFFSET_MS;
    if (end >= FIXED_OFFSET_FROM && end < FIXED_OFFSET_UNTIL) return new Date(end);
  }
  return endOfShopDayAfterByZone(at, days);
}

/** endOfShopDayAfter through the tz plugin and the zone's rules (any instant). */
export function endOfShopDayAfterByZone(at: Date, days: number): Date {
  // Calendar arithmetic on the Shanghai date string, then back to an instant:
  // dayjs' tz plugin drifts by the machine zone's DST when add/endOf follow .tz().
  const ymd = dayjs(at).tz(SHOP_TZ).format('YYYY-MM-DD');
  const target = dayjs.utc(ymd).add(days, 'day').format('YYYY-MM-DD');
  return dayjs.tz(`${target} 23:59:59.999`, SHOP_TZ).toDate();
}

/** Calendar date (YYYY-MM-DD) of an instant in Asia/Shanghai. */
export function shopDate(at: Date): string {
  return shanghaiWallIso(at)?.slice(0, 10) ?? formatByZone(at, 'YYYY-MM-DD');
}

/** yyyymmdd of an instant in Asia/Shanghai (return numbers: R + yyyymmdd + digits). */
export function shopDateCompact(at: Date): string {
  return shopDate(at).replace(/-/g, '');
}

/** Human Chinese date-time in Asia/Shanghai, e.g. 2026-11-22 18:30. */
export function formatShopTime(at: Date): string {
  const wall = shanghaiWallIso(at);
  return wall ? `${wall.slice(0, 10)} ${wall.slice(11, 16)}` : formatByZone(at, 'YYYY-MM-DD HH:mm');
}

/** An instant formatted in Asia/Shanghai through the tz plugin and the zone's rules (any instant). */
export function formatByZone(at: Date, format: string): string {
  return dayjs(at).tz(SHOP_TZ).format(format);
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
