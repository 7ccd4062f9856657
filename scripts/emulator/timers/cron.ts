/**
 * Cron expressions of CloudBase timer triggers: 7 fields
 *   second minute hour day-of-month month day-of-week year
 * evaluated in UTC+8 (China has no daylight saving: a fixed offset).
 *
 * Per field: `*`, `?` (day fields only, same as `*`), numbers, ranges `a-b`,
 * lists `a,b,c`, steps `*\/n`, `a-b/n`, `a/n`. Months accept JAN-DEC, weekdays
 * SUN-SAT; weekday 0 and 7 are Sunday. When both day-of-month and day-of-week
 * are restricted, a day matches if either matches (as in Vixie cron); `?` or
 * `*` in one of them leaves only the other.
 */

export const CRON_TZ_OFFSET_MS = 8 * 3600 * 1000;

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { name: 'weekday', min: 0, max: 7, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
  { name: 'year', min: 1970, max: 2099 },
];

export interface CronSchedule {
  source: string;
  seconds: Set<number>;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  years: Set<number>;
  /** false when the field was `*` or `?` */
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

export class CronError extends Error {
  constructor(expr: string, why: string) {
    super(`invalid cron expression "${expr}": ${why}`);
    this.name = 'CronError';
  }
}

function parseValue(expr: string, spec: FieldSpec, raw: string): number {
  const upper = raw.toUpperCase();
  if (spec.names && upper in spec.names) return spec.names[upper];
  if (!/^\d+$/.test(raw)) throw new CronError(expr, `${spec.name}: "${raw}" is not a number`);
  const n = Number(raw);
  if (n < spec.min || n > spec.max) throw new CronError(expr, `${spec.name}: ${n} out of range ${spec.min}-${spec.max}`);
  return n;
}

function parseField(expr: string, spec: FieldSpec, text: string): { values: Set<number>; restricted: boolean } {
  const values = new Set<number>();
  if (text === '') throw new CronError(expr, `${spec.name}: empty field`);
  if (text === '?') {
    if (spec.name !== 'day' && spec.name !== 'weekday') throw new CronError(expr, `"?" is only allowed in day fields`);
    text = '*';
  }
  const restricted = text !== '*';
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronError(expr, `${spec.name}: cannot read "${part}"`);
    const [, rangeText, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1)) throw new CronError(expr, `${spec.name}: step must be ≥ 1`);
    let lo: number;
    let hi: number;
    if (rangeText === '*') {
      lo = spec.min;
      hi = spec.name === 'weekday' ? 6 : spec.max;
    } else if (rangeText.includes('-')) {
      const [a, b, ...rest] = rangeText.split('-');
      if (rest.length) throw new CronError(expr, `${spec.name}: cannot read "${part}"`);
      lo = parseValue(expr, spec, a);
      hi = parseValue(expr, spec, b);
      if (hi < lo) throw new CronError(expr, `${spec.name}: range ${rangeText} is backwards`);
    } else {
      lo = parseValue(expr, spec, rangeText);
      hi = stepText === undefined ? lo : spec.name === 'weekday' ? 6 : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === 'weekday' && v === 7 ? 0 : v);
  }
  return { values, restricted };
}

export function parseCron(expr: string): CronSchedule {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 7) throw new CronError(expr, `expected 7 fields (sec min hour day month weekday year), got ${parts.length}`);
  const f = parts.map((p, i) => parseField(expr, FIELDS[i], p));
  return {
    source: expr,
    seconds: f[0].values,
    minutes: f[1].values,
    hours: f[2].values,
    days: f[3].values,
    months: f[4].values,
    weekdays: f[5].values,
    years: f[6].values,
    dayRestricted: f[3].restricted,
    weekdayRestricted: f[5].restricted,
  };
}

function dayMatches(s: CronSchedule, wall: Date): boolean {
  const dom = s.days.has(wall.getUTCDate());
  const dow = s.weekdays.has(wall.getUTCDay());
  if (s.dayRestricted && s.weekdayRestricted) return dom || dow;
  if (s.dayRestricted) return dom;
  if (s.weekdayRestricted) return dow;
  return true;
}

/** Does the instant (ms since epoch; whole second) match the schedule? */
export function cronMatches(schedule: CronSchedule | string, atMs: number): boolean {
  const s = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const w = new Date(Math.floor(atMs / 1000) * 1000 + CRON_TZ_OFFSET_MS);
  return (
    s.years.has(w.getUTCFullYear()) &&
    s.months.has(w.getUTCMonth() + 1) &&
    dayMatches(s, w) &&
    s.hours.has(w.getUTCHours()) &&
    s.minutes.has(w.getUTCMinutes()) &&
    s.seconds.has(w.getUTCSeconds())
  );
}

/** The first instant strictly after `afterMs` the schedule matches, or null (none before 2100). */
export function nextCronTime(schedule: CronSchedule | string, afterMs: number): number | null {
  const s = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  // Work on "wall time" in UTC+8, expressed as a UTC Date.
  let t = Math.floor(afterMs / 1000) * 1000 + 1000 + CRON_TZ_OFFSET_MS;
  for (let guard = 0; guard < 100000; guard++) {
    const w = new Date(t);
    const year = w.getUTCFullYear();
    if (year > 2099) return null;
    if (!s.years.has(year)) {
      t = Date.UTC(year + 1, 0, 1);
      continue;
    }
    if (!s.months.has(w.getUTCMonth() + 1)) {
      t = Date.UTC(year, w.getUTCMonth() + 1, 1);
      continue;
    }
    if (!dayMatches(s, w)) {
      t = Date.UTC(year, w.getUTCMonth(), w.getUTCDate() + 1);
      continue;
    }
    if (!s.hours.has(w.getUTCHours())) {
      t = Date.UTC(year, w.getUTCMonth(), w.getUTCDate(), w.getUTCHours() + 1);
      continue;
    }
    if (!s.minutes.has(w.getUTCMinutes())) {
      t = Date.UTC(year, w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes() + 1);
      continue;
    }
    if (!s.seconds.has(w.getUTCSeconds())) {
      t += 1000;
      continue;
    }
    return t - CRON_TZ_OFFSET_MS;
  }
  return null;
}
