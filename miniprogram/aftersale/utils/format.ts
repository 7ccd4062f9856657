/** Display helpers: money (fen → ¥), shop time (Asia/Shanghai, UTC+8 without DST), countdowns. */

const SHOP_OFFSET_MS = 8 * 3_600_000;

/**
 * The client's clock for countdowns. offsetMs stays 0 in the app; tests and
 * the screenshot script align it with the local emulator's virtual clock.
 */
export const clock = {
  offsetMs: 0,
  now(): number {
    return Date.now() + clock.offsetMs;
  },
};

export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '—';
  const neg = fen < 0;
  const abs = Math.abs(Math.round(fen));
  const s = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return `${neg ? '-' : ''}¥${s}`;
}

/** "12.50" (元, as typed) → 1250 fen; null when not a valid amount. */
export function parseYuan(text: string): number | null {
  const t = String(text ?? '').trim();
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
  const [i, d = ''] = t.split('.');
  return Number(i) * 100 + Number((d + '00').slice(0, 2));
}

function toDate(at: string | number | Date | null | undefined): Date | null {
  if (at === null || at === undefined || at === '') return null;
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? null : d;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-03-01 10:15" in shop time. */
export function shopTime(at: string | number | Date | null | undefined): string {
  const d = toDate(at);
  if (!d) return '';
  const s = new Date(d.getTime() + SHOP_OFFSET_MS);
  return `${s.getUTCFullYear()}-${pad(s.getUTCMonth() + 1)}-${pad(s.getUTCDate())} ${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}`;
}

/** "03-01 10:15" in shop time. */
export function shortTime(at: string | number | Date | null | undefined): string {
  return shopTime(at).slice(5);
}

/** "YYYY-MM-DD" of the shop day. */
export function shopDay(at: string | number | Date): string {
  return shopTime(at).slice(0, 10);
}

/** ISO instant with +08:00 for a shop-local "YYYY-MM-DD" and "HH:mm". */
export function shopIso(day: string, hm: string): string {
  return `${day}T${hm}:00+08:00`;
}

export interface Countdown {
  text: string;
  overdue: boolean;
  /** Less than 24 hours left. */
  urgent: boolean;
}

/** "剩余 1 天 3 小时 20 分" / "已超时 2 小时". */
export function countdown(deadline: string | number | Date | null | undefined, now: number = clock.now()): Countdown | null {
  const d = toDate(deadline);
  if (!d) return null;
  let ms = d.getTime() - now;
  const overdue = ms < 0;
  ms = Math.abs(ms);
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const parts: string[] = [];
  if (days) parts.push(`${days} 天`);
  if (days || hours) parts.push(`${hours} 小时`);
  if (!days) parts.push(`${minutes} 分`);
  return { text: `${overdue ? '已超时' : '剩余'} ${parts.join(' ')}`, overdue, urgent: !overdue && ms < 86_400_000 };
}

/** Tag colour class per status (list and header). */
export function statusTone(status: string): string {
  switch (status) {
    case 'REFUNDED':
    case 'EXCHANGED':
      return 'tone-done';
    case 'CANCELLED':
    case 'CLOSED':
      return 'tone-muted';
    case 'REJECTED':
    case 'REFUND_FAILED':
      return 'tone-warn';
    case 'DISPUTED':
      return 'tone-info';
    default:
      return 'tone-active';
  }
}
