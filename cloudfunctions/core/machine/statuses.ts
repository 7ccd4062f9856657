/**
 * After-sale statuses (domain.md "After-sale state machine"): Chinese label,
 * who acts next, terminal/open flags. Pure data.
 */
import type { ReturnStatus, Role } from '../policy/types';

export interface NextActor {
  /** Who must act next; null for terminal states (nobody). */
  role: Role | null;
  /** Chinese phrase for the detail view, e.g. "等待商家处理". */
  phrase: string;
}

export interface StatusInfo {
  status: ReturnStatus;
  label: string;
  next: NextActor;
  /** No transition leaves a terminal status. */
  terminal: boolean;
  /** Counts as "an open after-sale" of its lines (= not terminal). */
  open: boolean;
  /** The after-sale holds its units: no other after-sale may take them (all but CANCELLED / CLOSED / EXCHANGED; REJECTED included). */
  holdsUnits: boolean;
  /** Money is owed or paid for it: its refund was planned (REFUNDING, REFUND_FAILED, REFUNDED). */
  refundBound: boolean;
  /** A new application for its lines withdraws it (buyer's cancel), when the table still lets the buyer cancel it. */
  withdrawnByReapply: boolean;
}

type Money = 'holds' | 'releases' | 'refund';

function info(status: ReturnStatus, label: string, role: Role | null, phrase: string, terminal: boolean, money: Money, withdrawnByReapply = false): StatusInfo {
  return Object.freeze({
    status,
    label,
    next: Object.freeze({ role, phrase }),
    terminal,
    open: !terminal,
    holdsUnits: money !== 'releases',
    refundBound: money === 'refund',
    withdrawnByReapply,
  });
}

export const STATUSES: Readonly<Record<ReturnStatus, StatusInfo>> = Object.freeze({
  PENDING_REVIEW: info('PENDING_REVIEW', '待商家处理', 'MERCHANT', '等待商家处理', false, 'holds'),
  NEGOTIATING: info('NEGOTIATING', '协商待确认', 'BUYER', '等待买家确认商家的协商方案', false, 'holds'),
  AWAITING_SHIPMENT: info('AWAITING_SHIPMENT', '待买家寄回', 'BUYER', '等待买家寄回商品', false, 'holds'),
  IN_TRANSIT: info('IN_TRANSIT', '待商家收货', 'MERCHANT', '等待商家确认收货', false, 'holds'),
  REJECTED: info('REJECTED', '商家已拒绝', 'BUYER', '等待买家修改申请或申诉', false, 'holds', true),
  DISPUTED: info('DISPUTED', '主管复核中', 'ARBITER', '等待店铺主管复核', false, 'holds'),
  REFUNDING: info('REFUNDING', '退款中', 'SYSTEM', '退款处理中，等待到账', false, 'refund'),
  REFUND_FAILED: info('REFUND_FAILED', '退款异常', 'MERCHANT', '等待商家处理退款异常', false, 'refund'),
  REFUNDED: info('REFUNDED', '退款成功', null, '售后已完成', true, 'refund'),
  // 换货: the goods came back, the shop ships the replacement; no money moves (unless converted to a refund: REFUNDING).
  AWAITING_RESHIP: info('AWAITING_RESHIP', '待商家换货', 'MERCHANT', '等待商家换货商品', false, 'holds'),
  RESHIPPED: info('RESHIPPED', '换货已发出', 'BUYER', '等待买家确认收到换货商品', false, 'holds'),
  // The units stay bought (nothing was refunded) and free again: the replacement may be the subject of a later after-sale.
  EXCHANGED: info('EXCHANGED', '换货完成', null, '换货已完成', true, 'releases'),
  CANCELLED: info('CANCELLED', '已撤销', null, '买家已撤销申请', true, 'releases'),
  CLOSED: info('CLOSED', '已关闭', null, '售后已关闭', true, 'releases'),
});

export const ALL_STATUSES = Object.keys(STATUSES) as ReturnStatus[];
export const TERMINAL_STATUSES: readonly ReturnStatus[] = ALL_STATUSES.filter((s) => STATUSES[s].terminal);
export const OPEN_STATUSES: readonly ReturnStatus[] = ALL_STATUSES.filter((s) => STATUSES[s].open);
/** Statuses whose after-sales were refunded or are being refunded. */
export const REFUND_BOUND_STATUSES: readonly ReturnStatus[] = ALL_STATUSES.filter((s) => STATUSES[s].refundBound);

/** Does an after-sale in `status` hold its units (see StatusInfo.holdsUnits)? */
export function holdsUnits(status: ReturnStatus): boolean {
  return STATUSES[status]?.holdsUnits ?? true;
}

/** Was the refund of an after-sale in `status` planned (money owed or paid)? */
export function isRefundBound(status: ReturnStatus): boolean {
  return STATUSES[status]?.refundBound ?? false;
}

/** Label of the pseudo-status before an after-sale exists. */
export const NEW_LABEL = '未申请';

export function statusLabel(status: ReturnStatus | null | undefined): string {
  if (!status) return NEW_LABEL;
  return STATUSES[status]?.label ?? String(status);
}

export function nextActor(status: ReturnStatus): NextActor {
  return STATUSES[status].next;
}

export function isTerminal(status: ReturnStatus): boolean {
  return STATUSES[status].terminal;
}

export function isOpen(status: ReturnStatus): boolean {
  return STATUSES[status].open;
}

/** Who receives reminders in this status (the next actor); null when nobody should be reminded. */
export function reminderRecipient(status: ReturnStatus): Role | null {
  const role = STATUSES[status].next.role;
  return role === 'SYSTEM' ? null : role;
}

/** The refund runs and the system acts next (REFUNDING): records are planned, submitted and reconciled. */
export function refundRunning(status: ReturnStatus): boolean {
  const info = STATUSES[status];
  return !!info && info.refundBound && info.next.role === 'SYSTEM';
}
