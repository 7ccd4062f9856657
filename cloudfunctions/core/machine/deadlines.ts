/**
 * Deadlines and reminders per status (domain.md "After-sale state machine").
 * Pure: every instant is derived from parameters.
 *
 * Durations are exact: hours × 3 600 000 ms and days × 86 400 000 ms from the
 * instant the status was entered (no rounding to the end of a shop day).
 * Asia/Shanghai has no daylight saving time, so "7 days" is always 7 × 24 h
 * there too, and the buyer sees the same wall-clock time as when the state was
 * entered (e.g. approved 2026-03-01 10:15 ⇒ ship by 2026-03-08 10:15).
 */
import type { Policy, ReturnStatus, ReturnType } from '../policy/types';
import { DAY_MS, HOUR_MS } from '../policy/time';
import type { ActionName } from './transitions';
import { reminderRecipient } from './statuses';

export interface DeadlineRule {
  /** Length of the wait, from the moment the status was entered. */
  durationMs(policy: Policy): number;
  /** The system action the sweep applies when the deadline has passed; null: none (the deadline marks the waited-on party overdue). */
  action: ActionName | null;
}

/** Statuses with a deadline and a default outcome. The others have none. */
export const DEADLINE_RULES: Readonly<Partial<Record<ReturnStatus, DeadlineRule>>> = Object.freeze({
  PENDING_REVIEW: { durationMs: (p: Policy) => p.merchantReviewHours * HOUR_MS, action: 'autoApprove' },
  AWAITING_SHIPMENT: { durationMs: (p: Policy) => p.buyerShipDays * DAY_MS, action: 'closeUnshipped' },
  IN_TRANSIT: { durationMs: (p: Policy) => p.merchantReceiveDays * DAY_MS, action: 'autoReceive' },
  REJECTED: { durationMs: (p: Policy) => p.appealDays * DAY_MS, action: 'closeAppealWindow' },
  NEGOTIATING: { durationMs: (p: Policy) => p.proposalHours * HOUR_MS, action: 'lapseProposal' },
  DISPUTED: { durationMs: (p: Policy) => p.arbiterDecideHours * HOUR_MS, action: 'autoDecide' },
  AWAITING_RESHIP: { durationMs: (p: Policy) => p.reshipHours * HOUR_MS, action: 'autoConvert' },
  RESHIPPED: { durationMs: (p: Policy) => p.exchangeConfirmDays * DAY_MS, action: 'autoConfirmExchange' },
  // Money never moves by default: past this the merchant is overdue (the pages say so), reminded daily.
  REFUND_FAILED: { durationMs: (p: Policy) => p.refundFixHours * HOUR_MS, action: null },
  // What the buyer can expect; the system acts (reconciliation), nobody is waited on.
  REFUNDING: { durationMs: (p: Policy) => p.refundArrivalDays * DAY_MS, action: null },
});

/** Statuses whose deadline has a default outcome the sweep applies. */
export const DEFAULT_OUTCOME_STATUSES: readonly ReturnStatus[] = Object.freeze((Object.keys(DEADLINE_RULES) as ReturnStatus[]).filter((s) => DEADLINE_RULES[s]?.action));

/** Statuses without a default outcome that are reminded once a day (enteredAt + 1 d, + 2 d, …). */
export const DAILY_REMINDER_STATUSES: readonly ReturnStatus[] = Object.freeze(['REFUND_FAILED'] as ReturnStatus[]);

export interface Deadline {
  deadline: Date | null;
  deadlineAction: ActionName | null;
}

/**
 * The deadline of `status` entered at `enteredAt`. `ctx` is accepted for
 * future per-type rules; today the deadline depends on the status only.
 * DISPUTED, REFUNDING, REFUND_FAILED and terminal statuses have none.
 */
export function deadlineFor(status: ReturnStatus, enteredAt: Date, policy: Policy, ctx?: { type?: ReturnType }): Deadline {
  void ctx;
  const rule = DEADLINE_RULES[status];
  if (!rule) return { deadline: null, deadlineAction: null };
  return { deadline: new Date(enteredAt.getTime() + rule.durationMs(policy)), deadlineAction: rule.action };
}

/** Has the deadline passed at `now`? (A deadline equal to `now` counts as passed.) */
export function isDue(deadline: Date | null | undefined, now: Date): boolean {
  return !!deadline && deadline.getTime() <= now.getTime();
}

function leadReminder(status: ReturnStatus, deadline: Date | null, enteredAt: Date, policy: Policy): Date | null {
  const d = deadline ?? deadlineFor(status, enteredAt, policy).deadline;
  if (!d) return null;
  const at = new Date(d.getTime() - policy.reminderLeadHours * HOUR_MS);
  return at.getTime() > enteredAt.getTime() ? at : null;
}

/**
 * Every reminder instant of a status.
 * - statuses with a deadline: deadline − reminderLeadHours, if that is after
 *   enteredAt (a window shorter than the lead time gets no reminder);
 * - DISPUTED, REFUND_FAILED: daily, enteredAt + 1 d, + 2 d, … up to and
 *   including `until` (default enteredAt + 7 d); the list is unbounded in
 *   principle, so a sweep uses `nextReminderAt` instead;
 * - REFUNDING (the system acts) and terminal statuses: none.
 * `deadline` null ⇒ recomputed from enteredAt with deadlineFor.
 */
export function reminderTimes(status: ReturnStatus, deadline: Date | null, enteredAt: Date, policy: Policy, until?: Date): Date[] {
  if (!reminderRecipient(status)) return [];
  if (DAILY_REMINDER_STATUSES.includes(status)) {
    const end = (until ?? new Date(enteredAt.getTime() + 7 * DAY_MS)).getTime();
    const out: Date[] = [];
    for (let t = enteredAt.getTime() + DAY_MS; t <= end; t += DAY_MS) out.push(new Date(t));
    return out;
  }
  const lead = leadReminder(status, deadline, enteredAt, policy);
  return lead ? [lead] : [];
}

/**
 * The next reminder a sweep should send, or null when none is due any more.
 * - statuses with a deadline: the single lead reminder, unless one was already
 *   sent at or after it (lastReminderAt ≥ lead ⇒ null);
 * - daily statuses: the first enteredAt + k d (k ≥ 1) strictly after
 *   lastReminderAt. A sweep that was down for days sends one reminder, sets
 *   lastReminderAt = now, and the next one is the next daily slot after now
 *   (no burst of missed reminders).
 */
export function nextReminderAt(status: ReturnStatus, enteredAt: Date, lastReminderAt: Date | null, deadline: Date | null, policy: Policy): Date | null {
  if (!reminderRecipient(status)) return null;
  if (DAILY_REMINDER_STATUSES.includes(status)) {
    const start = enteredAt.getTime();
    if (!lastReminderAt || lastReminderAt.getTime() < start + DAY_MS) return new Date(start + DAY_MS);
    const k = Math.floor((lastReminderAt.getTime() - start) / DAY_MS) + 1;
    return new Date(start + k * DAY_MS);
  }
  const lead = leadReminder(status, deadline, enteredAt, policy);
  if (!lead) return null;
  if (lastReminderAt && lastReminderAt.getTime() >= lead.getTime()) return null;
  return lead;
}
