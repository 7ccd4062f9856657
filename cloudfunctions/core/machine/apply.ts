/**
 * Applying the transition table (transitions.ts). Pure: `now` is a parameter,
 * nothing is read or written. The caller persists `patch` with a
 * compare-and-set on (id, status, version) and appends `event` to the timeline.
 */
import type { Policy, ReturnStatus, ReturnType, Role } from '../policy/types';
import { deadlineFor, nextReminderAt } from './deadlines';
import { reminderRecipient, statusLabel, STATUSES } from './statuses';
import {
  fromList,
  resolveReturnAddress,
  TRANSITIONS,
  type ActionName,
  type Actor,
  type CurrentReturn,
  type GuardCode,
  type LedgerView,
  type ReturnAddress,
  type TransitionContext,
  type TransitionPayload,
  type TransitionRow,
} from './transitions';

export interface TimelineEvent {
  at: Date;
  actor: { role: Role; openid?: string };
  action: ActionName;
  from: ReturnStatus | null;
  to: ReturnStatus;
  note?: string;
  evidence?: string[];
}

export interface TransitionPatch {
  status: ReturnStatus;
  version: number;
  deadline: Date | null;
  deadlineAction: ActionName | null;
  /** When the sweep should send the next reminder (null: none). */
  nextReminderAt: Date | null;
  /** Reset on every status change (kept by deadline-keeping self-loops). */
  lastReminderAt: Date | null;
  /** When the current status was entered (input of deadlines and reminders). */
  statusEnteredAt: Date;
  updatedAt: Date;
  /** Set when the transition fixes where the goods go back (approve, autoApprove, decide). */
  returnAddress?: ReturnAddress;
}

export type TransitionErrorCode = 'INVALID_STATE' | 'FORBIDDEN' | GuardCode;

/**
 * What the shell does around the commit of a plan, read from the table:
 * - settleRefund: before the commit, settle the refund's amounts from the
 *   ledger and claim them there (entering a refund-bound status);
 * - submitRefund: after the commit, submit the planned refund (entering the
 *   status where the system acts: REFUNDING).
 * The ledger, the order's summary and the messages follow every commit through
 * the after-sale's outbox (app/outbox.ts), whatever the transition.
 */
export type Effect = 'settleRefund' | 'submitRefund';

export type TransitionResult =
  | { ok: true; to: ReturnStatus; patch: TransitionPatch; event: TimelineEvent; effects: Effect[] }
  | { ok: false; code: TransitionErrorCode; message: string };

export interface TransitionInput {
  current: CurrentReturn;
  actor: Actor;
  action: ActionName;
  now: Date;
  policy: Policy;
  payload?: TransitionPayload;
  /**
   * The order's ledger: required by rows with a ledgerGuard (appeal, decide).
   * 'later': a precheck before reading anything; the shell decides again with
   * the ledger before it commits (app/returns.ts transition).
   */
  ledger?: LedgerView | 'later';
}

/**
 * API error code (api.md) for a machine refusal code: time/state refusals are
 * INVALID_STATE, missing input is INVALID_ARGUMENT, missing evidence is
 * EVIDENCE_INVALID. `details.refusal` may carry the precise machine code.
 */
export const API_ERROR_FOR: Readonly<Record<TransitionErrorCode, string>> = Object.freeze({
  INVALID_STATE: 'INVALID_STATE',
  FORBIDDEN: 'FORBIDDEN',
  APPEAL_WINDOW_CLOSED: 'INVALID_STATE',
  DEADLINE_PASSED: 'INVALID_STATE',
  DEADLINE_NOT_REACHED: 'INVALID_STATE',
  RETURN_ADDRESS_REQUIRED: 'INVALID_ARGUMENT',
  REASON_REQUIRED: 'INVALID_ARGUMENT',
  EVIDENCE_REQUIRED: 'EVIDENCE_INVALID',
  NOTE_REQUIRED: 'INVALID_ARGUMENT',
  DECISION_REQUIRED: 'INVALID_ARGUMENT',
  GOODS_SENT: 'INVALID_STATE',
  UNITS_TAKEN: 'INVALID_STATE',
  CORRECTIONS_EXHAUSTED: 'INVALID_STATE',
  PROPOSALS_EXHAUSTED: 'INVALID_STATE',
  PROPOSAL_INVALID: 'INVALID_ARGUMENT',
  WAYBILL_REQUIRED: 'INVALID_ARGUMENT',
});

/** The input field a refusal that answers INVALID_ARGUMENT is about (for details.issues). */
export const REFUSAL_FIELD: Readonly<Partial<Record<TransitionErrorCode, string>>> = Object.freeze({
  RETURN_ADDRESS_REQUIRED: 'returnAddress',
  REASON_REQUIRED: 'reason',
  NOTE_REQUIRED: 'note',
  DECISION_REQUIRED: 'decision',
  EVIDENCE_REQUIRED: 'evidence',
  PROPOSAL_INVALID: 'kind',
  WAYBILL_REQUIRED: 'trackingNo',
});

/** The api.md error of a refusal: its code, and details with the refusal and, for input, `issues`. */
export function refusalError(code: TransitionErrorCode, message: string): { code: string; message: string; details: Record<string, unknown> } {
  const field = REFUSAL_FIELD[code];
  return { code: API_ERROR_FOR[code], message, details: { refusal: code, ...(field ? { issues: [{ path: field, message }] } : {}) } };
}

const TYPE_LABEL: Record<ReturnType, string> = { REFUND_ONLY: '仅退款', RETURN_REFUND: '退货退款', EXCHANGE: '换货' };

function invalidState(status: ReturnStatus | null): { ok: false; code: 'INVALID_STATE'; message: string } {
  return { ok: false, code: 'INVALID_STATE', message: `当前状态（${statusLabel(status)}）不能执行此操作` };
}

function toDateOrNull(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

/** Rows open to `role` for `action`, whatever the status. */
function rowsFor(role: Role, action: ActionName): TransitionRow[] {
  return TRANSITIONS.filter((r) => r.action === action && r.roles.includes(role));
}

/**
 * Apply `action` by `actor` to `current`.
 * - FORBIDDEN: no row lets this role perform this action at all;
 * - INVALID_STATE: the role may, but not from this status (terminal statuses
 *   accept nothing) or not for this after-sale type;
 * - guard codes (GUARD_CODES): the row exists but its condition fails.
 */
export function decide(input: TransitionInput): TransitionResult {
  const { current, actor, action, now, policy } = input;
  const payload = input.payload ?? {};
  const rows = rowsFor(actor.role, action);
  if (rows.length === 0) {
    return { ok: false, code: 'FORBIDDEN', message: '无权执行此操作' };
  }
  const status = current.status ?? null;
  if (status && STATUSES[status]?.terminal) return invalidState(status);

  const fromKey = status ?? 'NEW';
  const byStatus = rows.filter((r) => fromList(r).includes(fromKey));
  if (byStatus.length === 0) return invalidState(status);
  const row = byStatus.find((r) => !r.types || r.types.includes(current.type));
  if (!row) {
    return { ok: false, code: 'INVALID_STATE', message: `${TYPE_LABEL[current.type] ?? current.type}的售后不能执行此操作` };
  }

  const later = input.ledger === 'later';
  const ctx: TransitionContext = { current, actor, action, now, policy, payload, ledger: later ? undefined : (input.ledger as LedgerView | undefined) };
  const refusal = row.guard?.(ctx) ?? (later ? null : row.ledgerGuard?.(ctx)) ?? row.requires?.(ctx) ?? null;
  if (refusal) return { ok: false, code: refusal.code as GuardCode, message: refusal.message };

  const to = typeof row.to === 'function' ? row.to(ctx) : row.to;

  // Deadline, reminders of the new status.
  let deadline: Date | null;
  let deadlineAction: ActionName | null;
  let enteredAt: Date;
  let lastReminderAt: Date | null;
  if (row.keepDeadline && status === to) {
    enteredAt = toDateOrNull(current.enteredAt) ?? now;
    const kept = toDateOrNull(current.deadline);
    const fresh = deadlineFor(to, enteredAt, policy, { type: current.type });
    deadline = kept ?? fresh.deadline;
    deadlineAction = fresh.deadlineAction;
    lastReminderAt = toDateOrNull(current.lastReminderAt);
  } else {
    enteredAt = now;
    ({ deadline, deadlineAction } = deadlineFor(to, now, policy, { type: current.type }));
    lastReminderAt = null;
  }
  if (STATUSES[to].terminal) {
    deadline = null;
    deadlineAction = null;
  }

  const patch: TransitionPatch = {
    status: to,
    version: current.version + 1,
    deadline,
    deadlineAction,
    nextReminderAt: STATUSES[to].terminal || !reminderRecipient(to) ? null : nextReminderAt(to, enteredAt, lastReminderAt, deadline, policy),
    lastReminderAt,
    statusEnteredAt: enteredAt,
    updatedAt: now,
  };
  if ((action === 'approve' || action === 'autoApprove' || action === 'decide') && to === 'AWAITING_SHIPMENT') {
    const address = resolveReturnAddress(ctx);
    if (address) patch.returnAddress = address;
  }

  const notes: string[] = [];
  const rowNote = typeof row.note === 'function' ? row.note(ctx) : row.note;
  for (const n of [rowNote, payload.reason, payload.note]) {
    if (typeof n === 'string' && n.trim() && !notes.includes(n.trim())) notes.push(n.trim());
  }
  const event: TimelineEvent = {
    at: now,
    actor: actor.openid ? { role: actor.role, openid: actor.openid } : { role: actor.role },
    action,
    from: status,
    to,
  };
  if (notes.length) event.note = notes.join('；');
  const evidence = (payload.evidence ?? []).filter((e) => typeof e === 'string' && e.length > 0);
  if (evidence.length) event.evidence = evidence;

  const effects: Effect[] = [];
  if (STATUSES[to].refundBound && !(status && STATUSES[status].refundBound)) effects.push('settleRefund');
  if (STATUSES[to].refundBound && STATUSES[to].next.role === 'SYSTEM') effects.push('submitRefund');
  return { ok: true, to, patch, event, effects };
}

/** The first release's name of `decide`. */
export const applyTransition = decide;

/**
 * What `role` may do now on `current` (buttons of the detail view): rows of
 * the same table whose status, type and state/time guard pass. Input
 * requirements (reason, evidence, note, address, decision) are not checked:
 * the caller supplies them when acting.
 */
export function allowedActions(current: CurrentReturn, role: Role, now: Date, policy: Policy, payload: TransitionPayload = {}, ledger?: LedgerView): ActionName[] {
  const status = current.status ?? null;
  if (status && STATUSES[status]?.terminal) return [];
  const fromKey = status ?? 'NEW';
  const out: ActionName[] = [];
  for (const row of TRANSITIONS) {
    if (!row.roles.includes(role) || !fromList(row).includes(fromKey)) continue;
    if (row.types && !row.types.includes(current.type)) continue;
    const ctx: TransitionContext = { current, actor: { role }, action: row.action, now, policy, payload, ledger };
    if (row.guard?.(ctx)) continue;
    // Ledger conditions are checked when a ledger was given (the view of one after-sale is read without it).
    if (ledger && row.ledgerGuard?.(ctx)) continue;
    if (!out.includes(row.action)) out.push(row.action);
  }
  return out;
}
