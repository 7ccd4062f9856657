/**
 * THE table of refund records (domain.md "Refunds"): one record per attempt at
 * one payment share. Statuses, what each means for the money, and the moves a
 * record may make. Every write of a record's status is checked against
 * REFUND_MOVES (app/refunds.ts `store`); every other file reads the sets below
 * instead of listing statuses itself.
 */
export type RefundStatus = 'CREATED' | 'PROCESSING' | 'UNKNOWN' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL' | 'FAILED' | 'OFFLINE';

export interface RefundStatusInfo {
  /** Chinese label for staff pages. */
  label: string;
  /** Its amount counts against the payment (everything but CLOSED: a closed attempt paid nothing and frees its share). */
  live: boolean;
  /** The sweep works on it (submit, query). */
  open: boolean;
  /** The platform accepted it or may have: it may still pay (no offline refund meanwhile). */
  inFlight: boolean;
  /** The platform reported a final outcome (a notification about it needs no query). */
  reported: boolean;
  /** It cannot succeed without the merchant (REFUND_FAILED). */
  needsMerchant: boolean;
  /** Stored and not sent to the platform yet: the next step is a submit (with its out_refund_no). */
  unsent: boolean;
}

function info(label: string, flags: Partial<Omit<RefundStatusInfo, 'label'>>): RefundStatusInfo {
  return Object.freeze({ label, live: true, open: false, inFlight: false, reported: false, needsMerchant: false, unsent: false, ...flags });
}

export const REFUND_STATUSES: Readonly<Record<RefundStatus, RefundStatusInfo>> = Object.freeze({
  CREATED: info('待提交', { open: true, unsent: true }),
  PROCESSING: info('退款处理中', { open: true, inFlight: true }),
  UNKNOWN: info('结果待查询', { open: true, inFlight: true }),
  SUCCESS: info('退款成功', { reported: true }),
  CLOSED: info('退款关闭', { live: false, reported: true }),
  ABNORMAL: info('退款异常', { reported: true, needsMerchant: true }),
  FAILED: info('退款失败', { needsMerchant: true }),
  // Kept live: the platform may still report it paid after all (a query confirms), so its share stays reserved.
  OFFLINE: info('已线下退款', {}),
});

const ALL = Object.keys(REFUND_STATUSES) as RefundStatus[];
const where = (f: (i: RefundStatusInfo) => boolean): RefundStatus[] => ALL.filter((s) => f(REFUND_STATUSES[s]));

export const OPEN_REFUND_STATUSES: readonly RefundStatus[] = where((i) => i.open);
export const IN_FLIGHT_REFUND_STATUSES: readonly RefundStatus[] = where((i) => i.inFlight);

/**
 * Allowed moves. A platform answer (submit, query, notification) may move an
 * open record anywhere the platform can say; FAILED and OFFLINE records are
 * still confirmed by a query (the platform may have refunded after all);
 * SUCCESS and CLOSED are final (a closed share gets a new record).
 */
export const REFUND_MOVES: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = Object.freeze({
  CREATED: ['CREATED', 'PROCESSING', 'UNKNOWN', 'SUCCESS', 'CLOSED', 'ABNORMAL', 'FAILED', 'OFFLINE'],
  PROCESSING: ['PROCESSING', 'UNKNOWN', 'SUCCESS', 'CLOSED', 'ABNORMAL', 'CREATED', 'FAILED'],
  UNKNOWN: ['UNKNOWN', 'PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL', 'CREATED', 'FAILED'],
  SUCCESS: [],
  CLOSED: [],
  ABNORMAL: ['CREATED', 'OFFLINE'],
  FAILED: ['CREATED', 'OFFLINE', 'PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL'],
  OFFLINE: ['PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL'],
});

export function canMove(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_MOVES[from]?.includes(to) ?? false;
}

export const isLive = (s: RefundStatus): boolean => REFUND_STATUSES[s]?.live ?? true;
export const isInFlight = (s: RefundStatus): boolean => REFUND_STATUSES[s]?.inFlight ?? false;
export const isReported = (s: RefundStatus): boolean => REFUND_STATUSES[s]?.reported ?? false;
export const isUnsent = (s: RefundStatus): boolean => REFUND_STATUSES[s]?.unsent ?? false;
export const needsMerchant = (s: RefundStatus): boolean => REFUND_STATUSES[s]?.needsMerchant ?? false;
