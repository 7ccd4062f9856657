/**
 * sweepTimeouts (timer every 5 minutes, or an ADMIN by hand): applies expired
 * deadlines, sends reminders once each, reconciles refunds, retries failed
 * notifications. Works in batches under a time budget and reports what is
 * left. Every step is a compare-and-set, so two overlapping runs never apply
 * anything twice (the loser of a race skips the item).
 */
import { sweepTimeoutsSchema } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { cas, command, findMany } from '../data/db';
import { C } from '../data/collections';
import { CLIENT_ORIGINS, hasRole, loadStaff, parseInput, requireOpenid } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { normaliseReturn, transition, loadReturn } from '../app/returns';
import { applyQuery, complete, guardedSubmit, queryRefund, refundsOfOrder, settle } from '../app/refunds';
import { notify, retryNotifications } from '../app/notify';
import { deliverPending } from '../app/events';
import type { RefundDoc, ReturnDoc } from '../app/model';
import { DEFAULT_OUTCOME_STATUSES, nextReminderAt } from '../machine/deadlines';
import { ALL_STATUSES, refundRunning, reminderRecipient, statusLabel } from '../machine/statuses';
import { isUnsent, OPEN_REFUND_STATUSES } from '../machine/refundRecords';
import type { ActionName } from '../machine/transitions';
import { formatShopTime, toDate } from '../policy/time';
import { afterMove } from './reviewReturn';
import { proposalOutcome } from '../app/negotiation';

const DEFAULT_BUDGET_MS = 45_000;
const DEFAULT_BATCH = 50;
/** Statuses with a deadline and a default outcome (machine/deadlines.ts). */
const DEADLINE_STATUSES = [...DEFAULT_OUTCOME_STATUSES];
/** Statuses in which the system drives the refund (REFUNDING). */
const REFUND_RUNNING = ALL_STATUSES.filter(refundRunning);
/** A REFUNDING after-sale with no refund record after this long lost its submitting invocation. */
const ORPHAN_AFTER_MS = 60_000;

interface StepReport {
  done: number;
  skipped: number;
  left: boolean;
}

export async function sweepTimeouts(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(sweepTimeoutsSchema, event);
  let actorOpenid: string | undefined;
  if (caller.origin !== 'wx_trigger') {
    if (!CLIENT_ORIGINS.includes(caller.origin as any)) throw new AppError('FORBIDDEN', '仅定时任务或管理员可以执行');
    actorOpenid = requireOpenid(caller);
    if (!hasRole(await loadStaff(actorOpenid), 'ADMIN')) throw new AppError('FORBIDDEN', '仅定时任务或管理员可以执行');
  }
  const started = Date.now();
  const budget = input.budgetMs ?? DEFAULT_BUDGET_MS;
  const batch = input.batch ?? DEFAULT_BATCH;
  const budgetLeft = () => Date.now() - started < budget;
  const now = new Date();
  const settings = await loadSettings(now.getTime());

  const deadlines = await applyDeadlines(now, settings, batch, budgetLeft, actorOpenid);
  const reminders = await sendReminders(now, settings, batch, budgetLeft);
  const refunds = await reconcileRefunds(now, settings, batch, budgetLeft);
  const orphans = await submitOrphans(now, settings, batch, budgetLeft);
  const notes = budgetLeft() ? await retryNotifications(now, batch, budgetLeft) : { retried: 0, sent: 0, left: true };
  const events = budgetLeft() ? await deliverPending(now, settings, batch, budgetLeft) : { done: 0, skipped: 0, left: true };
  const left = deadlines.left || reminders.left || refunds.left || orphans.left || notes.left || events.left;
  return ok({
    at: now,
    deadlines,
    reminders,
    refunds,
    orphanRefunds: orphans,
    notifications: notes,
    events,
    left,
    message: left ? '本次已处理一批，还有待处理事项，下次定时任务会继续' : '全部到期事项已处理',
  });
}

/** A deadline that cannot be applied (e.g. no default return address for autoApprove) is tried again after this. */
const DEADLINE_RETRY_MS = 3_600_000;

async function applyDeadlines(now: Date, settings: ShopSettings, batch: number, budgetLeft: () => boolean, actorOpenid?: string): Promise<StepReport> {
  const _ = command();
  // Parked items (deadlineRetryAt in the future) are left out: they must not hold the head of the queue.
  const due = (
    await findMany<ReturnDoc>(
      C.returns,
      { status: _.in(DEADLINE_STATUSES), deadline: _.lte(now), deadlineRetryAt: _.or(_.exists(false), _.eq(null), _.lte(now)) },
      { orderBy: [['deadline', 'asc']], limit: batch + 1 },
    )
  ).map(normaliseReturn);
  const report: StepReport = { done: 0, skipped: 0, left: due.length > batch };
  for (const ret of due.slice(0, batch)) {
    if (!budgetLeft()) return { ...report, left: true };
    try {
      const action = ret.deadlineAction as ActionName;
      const { ret: moved } = await transition({
        ret,
        actor: actorOpenid ? { role: 'SYSTEM', openid: actorOpenid } : { role: 'SYSTEM' },
        action,
        now,
        settings,
        // autoDecide: the arbiter's silence decides for the buyer.
        payload: { defaultReturnAddress: settings.defaultReturnAddress ?? null, ...(action === 'autoDecide' ? { decision: 'BUYER' as const } : {}) },
        ...(action === 'lapseProposal' ? { extra: proposalOutcome(ret, 'LAPSED', now) } : {}),
      });
      await afterMove(moved, now, settings);
      report.done++;
    } catch (err) {
      // CONFLICT: another run or a person acted first. Anything else (e.g. no return
      // address for autoApprove): park it for an hour, with the reason, so that
      // it neither blocks the items behind it nor is retried on every run.
      report.skipped++;
      const code = (err as { code?: string })?.code;
      if (code !== 'CONFLICT') {
        const message = String((err as Error)?.message ?? err);
        console.error(JSON.stringify({ level: 'warn', msg: 'deadline not applied', returnId: ret._id, error: message }));
        await cas(C.returns, { _id: ret._id, version: ret.version }, {
          deadlineRetryAt: new Date(now.getTime() + DEADLINE_RETRY_MS),
          deadlineError: { code: (err as { details?: { refusal?: string } })?.details?.refusal ?? code ?? 'INTERNAL', message, at: now },
        }).catch(() => undefined);
      }
    }
  }
  return report;
}

async function sendReminders(now: Date, settings: ShopSettings, batch: number, budgetLeft: () => boolean): Promise<StepReport> {
  const _ = command();
  const due = (await findMany<ReturnDoc>(C.returns, { nextReminderAt: _.lte(now) }, { orderBy: [['nextReminderAt', 'asc']], limit: batch + 1 })).map(normaliseReturn);
  const report: StepReport = { done: 0, skipped: 0, left: due.length > batch };
  let staffCache: { _id: string; roles: string[] }[] | null = null;
  for (const ret of due.slice(0, batch)) {
    if (!budgetLeft()) return { ...report, left: true };
    const slot = ret.nextReminderAt as Date;
    const enteredAt = toDate((ret as any).statusEnteredAt) ?? ret.updatedAt;
    const next = nextReminderAt(ret.status, enteredAt, now, ret.deadline, settings.policy);
    // Claim this reminder slot: only one run sends it.
    const claimed = await cas(C.returns, { _id: ret._id, version: ret.version, nextReminderAt: slot }, { lastReminderAt: now, nextReminderAt: next });
    if (!claimed) {
      report.skipped++;
      continue;
    }
    const role = reminderRecipient(ret.status);
    const recipients: string[] = [];
    if (role === 'BUYER') recipients.push(ret.buyerOpenid);
    else if (role) {
      staffCache ??= await findMany(C.staff, {}, { limit: 100 });
      for (const s of staffCache) if (s.roles?.includes(role) || s.roles?.includes('ADMIN')) recipients.push(s._id);
    }
    // thing3 holds at most 20 characters: "请于MM-DD HH:mm前处理" (16) is never clipped.
    const hint = ret.deadline ? `请于${formatShopTime(ret.deadline).slice(5)}前处理` : `「${statusLabel(ret.status)}」待处理`;
    for (const touser of recipients) {
      await notify({ key: `${ret._id}:remind:${slot.toISOString()}:${touser}`, kind: 'reminder', ret, touser, hint, now, settings }).catch(() => undefined);
    }
    report.done++;
  }
  return report;
}

async function reconcileRefunds(now: Date, settings: ShopSettings, batch: number, budgetLeft: () => boolean): Promise<StepReport> {
  const _ = command();
  const due = await findMany<RefundDoc>(C.refunds, { status: _.in([...OPEN_REFUND_STATUSES]), nextCheckAt: _.lte(now) }, { orderBy: [['nextCheckAt', 'asc']], limit: batch + 1 });
  const report: StepReport = { done: 0, skipped: 0, left: due.length > batch };
  const touched = new Set<string>();
  for (const raw of due.slice(0, batch)) {
    if (!budgetLeft()) return { ...report, left: true };
    const ref = { ...raw, nextCheckAt: toDate(raw.nextCheckAt) ?? null } as RefundDoc;
    try {
      const after = isUnsent(ref.status) ? (await guardedSubmit(ref, now, settings)).ref : await applyQuery(ref, await queryRefund(ref, settings), now, settings, 'SWEEP');
      if (after !== ref) report.done++;
      else report.skipped++;
      touched.add(ref.returnId);
    } catch (err) {
      report.skipped++;
      console.error(JSON.stringify({ level: 'warn', msg: 'refund not reconciled', outRefundNo: ref._id, error: String((err as Error)?.message ?? err) }));
    }
  }
  // Complete the after-sales whose refunds just reached a final state.
  for (const returnId of touched) {
    try {
      const ret = await loadReturn(returnId);
      if (!refundRunning(ret.status)) continue;
      const records = (await refundsOfOrder(ret.orderId)).filter((r) => r.returnId === returnId);
      const moved = await complete(ret, records, now, settings);
      if (moved !== ret) await afterMove(moved, now, settings);
    } catch (err) {
      if ((err as { code?: string })?.code !== 'CONFLICT') console.error(JSON.stringify({ level: 'warn', msg: 'refund completion failed', returnId, error: String(err) }));
    }
  }
  return report;
}

/** REFUNDING after-sales whose refund records were never created (the invocation that entered REFUNDING died). */
async function submitOrphans(now: Date, settings: ShopSettings, batch: number, budgetLeft: () => boolean): Promise<StepReport> {
  const _ = command();
  const orphans = (await findMany<ReturnDoc>(C.returns, { status: _.in(REFUND_RUNNING), 'refundIds.0': _.exists(false), updatedAt: _.lte(new Date(now.getTime() - ORPHAN_AFTER_MS)) }, { limit: batch + 1 })).map(normaliseReturn);
  const report: StepReport = { done: 0, skipped: 0, left: orphans.length > batch };
  for (const ret of orphans.slice(0, batch)) {
    if (!budgetLeft()) return { ...report, left: true };
    try {
      await settle(ret, now, settings, { submitDue: true });
      report.done++;
    } catch (err) {
      report.skipped++;
      console.error(JSON.stringify({ level: 'warn', msg: 'orphan refund not submitted', returnId: ret._id, error: String((err as Error)?.message ?? err) }));
    }
  }
  return report;
}
