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
}

function info(status: ReturnStatus, label: string, role: Role | null, phrase: string, terminal: boolean): StatusInfo {
  return Object.freeze({ status, label, next: Object.freeze({ role, phrase }), terminal, open: !terminal });
}

export const STATUSES: Readonly<Record<ReturnStatus, StatusInfo>> = Object.freeze({
  PENDING_REVIEW: info('PENDING_REVIEW', '待商家处理', 'MERCHANT', '等待商家处理', false),
  AWAITING_SHIPMENT: info('AWAITING_SHIPMENT', '待买家寄回', 'BUYER', '等待买家寄回商品', false),
  IN_TRANSIT: info('IN_TRANSIT', '待商家收货', 'MERCHANT', '等待商家确认收货', false),
  REJECTED: info('REJECTED', '商家已拒绝', 'BUYER', '等待买家修改申请或申诉', false),
  DISPUTED: info('DISPUTED', '平台介入中', 'ARBITER', '等待平台裁决', false),
  REFUNDING: info('REFUNDING', '退款中', 'SYSTEM', '退款处理中，等待到账', false),
  REFUND_FAILED: info('REFUND_FAILED', '退款异常', 'MERCHANT', '等待商家处理退款异常', false),
  REFUNDED: info('REFUNDED', '退款成功', null, '售后已完成', true),
  CANCELLED: info('CANCELLED', '已撤销', null, '买家已撤销申请', true),
  CLOSED: info('CLOSED', '已关闭', null, '售后已关闭', true),
});

export const ALL_STATUSES = Object.keys(STATUSES) as ReturnStatus[];
export const TERMINAL_STATUSES: readonly ReturnStatus[] = ALL_STATUSES.filter((s) => STATUSES[s].terminal);
export const OPEN_STATUSES: readonly ReturnStatus[] = ALL_STATUSES.filter((s) => STATUSES[s].open);

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
