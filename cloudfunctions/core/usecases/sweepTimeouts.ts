/**
 * sweepTimeouts (timer every minute, or an ADMIN by hand): applies expired
 * deadlines, sends reminders once each, reconciles refunds, drains the
 * after-sales' outboxes (app/outbox.ts), retries failed
 * notifications. A pass works through the due items page by page until none
 * are left or its time budget is spent: each kind of work reads its due items
 * in key order ((deadline, _id), (nextReminderAt, _id), (nextCheckAt, _id))
 * and the next page resumes after the last item seen (keyset), so items it
 * skipped are not read again in the same pass and a backlog never makes a
 * page slower; the kinds take turns page by page, so none starves behind a
 * backlog of another. With `batch` (an ADMIN by hand) a pass handles at most
 * that many items of each kind. It reports what is left. Every step is a
 * compare-and-set, so two overlapping runs never apply anything twice (the
 * loser of a race skips the item).
 */
import { sweepTimeoutsSchema } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { cas, command, findMany } from '../data/db';
import { C } from '../data/collections';
import { CLIENT_ORIGINS, parseInput, requireOpenid, staffRole } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { normaliseReturn, transition, loadReturn } from '../app/returns';
import { applyQuery, complete, guardedSubmit, ownRecords, queryRefund, refundsOfOrder, settle, voidUncommitted } from '../app/refunds';
import { notify, retryNotifications } from '../app/notify';
import { closeOutbox, refreshOrder, sendOutbox } from '../app/outbox';
import type { RefundDoc, ReturnDoc } from '../app/model';
import { DEFAULT_OUTCOME_STATUSES, nextReminderAt } from '../machine/deadlines';
import { ALL_STATUSES, refundRunning, reminderRecipient, statusLabel } from '../machine/statuses';
import { isUnsent, OPEN_REFUND_STATUSES } from '../machine/refundRecords';
import type { ActionName } from '../machine/transitions';
import { formatShopTime, toDate } from '../policy/time';
import { afterMove } from './reviewReturn';
import { proposalOutcome } from '../app/negotiation';

/** Under the function's 60 s timeout (config.json), with room for the items in flight when it is spent. */
const DEFAULT_BUDGET_MS = 50_000;
/** Items read per page when the pass is not capped by `batch`. */
const PAGE = 100;
/**
 * Items of a page handled side by side (each is a chain of round trips: the
 * pass is bound by their latency, not by work). Items of one order are never
 * handled at the same time (one lane per order, in key order), so they never
 * race each other for the order's ledger or summary.
 */
const LANES = 8;
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
    if (!(CLIENT_ORIGINS as readonly string[]).includes(caller.origin)) throw new AppError('FORBIDDEN', '仅定时任务或管理员可以执行');
    actorOpenid = requireOpenid(caller);
    if (!(await staffRole(actorOpenid, ['ADMIN'])).role) throw new AppError('FORBIDDEN', '仅定时任务或管理员可以执行');
  }
  const started = Date.now();
  const budget = input.budgetMs ?? DEFAULT_BUDGET_MS;
  const budgetLeft = () => Date.now() - started < budget;
  const now = new Date();
  const settings = await loadSettings(now.getTime());

  // Without `batch`: pages of PAGE until nothing is due or the budget is spent. With it: one page of `batch` per kind.
  const capped = input.batch !== undefined;
  const size = input.batch ?? PAGE;
  // The outbox last: what the other steps committed in this pass is announced by it too.
  const steps: Step[] = [deadlineStep(now, settings, actorOpenid), reminderStep(now, settings), refundStep(now, settings), orphanStep(now, settings), outboxStep(now, settings)];
  const notes = { retried: 0, sent: 0, left: true };
  let notesMore = true;
  for (;;) {
    for (const step of steps) {
      if (!step.more) continue;
      if (!budgetLeft()) break;
      await step.page(size, budgetLeft);
      if (capped) step.more = false;
    }
    if (notesMore && budgetLeft()) {
      const r = await retryNotifications(now, size, budgetLeft);
      notes.retried += r.retried;
      notes.sent += r.sent;
      notes.left = r.left;
      // retried messages are claimed (tries, nextAttemptAt moved on), so the next call reads the next ones
      notesMore = r.left && r.retried > 0 && !capped;
    }
    if (capped || !budgetLeft() || !(steps.some((st) => st.more) || notesMore)) break;
  }
  const [deadlines, reminders, refunds, orphans, outbox] = steps.map((st) => st.report);
  const left = deadlines.left || reminders.left || refunds.left || orphans.left || notes.left || outbox.left;
  return ok({
    at: now,
    deadlines,
    reminders,
    refunds,
    orphanRefunds: orphans,
    notifications: notes,
    outbox,
    left,
    message: left ? '本次已处理一批，还有待处理事项，下次定时任务会继续' : '全部到期事项已处理',
  });
}

/** A deadline that cannot be applied (e.g. no default return address for autoApprove) is tried again after this. */
const DEADLINE_RETRY_MS = 3_600_000;

/** One kind of due work, read page by page in key order; `more` while a page came back full. */
interface Step {
  report: StepReport;
  more: boolean;
  page(size: number, budgetLeft: () => boolean): Promise<void>;
}

/**
 * A step over items read in the order of (`field`, _id): each page reads the
 * next `size` + 1 due items after the last one seen and hands them to
 * `handle` until the budget is spent.
 */
function keysetStep<T extends { _id: string; orderId?: string }>(opts: {
  field?: string;
  read: (after: Record<string, unknown> | undefined, size: number) => Promise<T[]>;
  handle: (item: T, report: StepReport) => Promise<void>;
  /** after each page (refund completion, the outbox's orders) */
  afterPage?: (items: T[], report: StepReport, budgetLeft: () => boolean) => Promise<void>;
}): Step {
  let last: T | undefined;
  const step: Step = {
    // left until a page has shown otherwise (a step the budget never reached still has work)
    report: { done: 0, skipped: 0, left: true },
    more: true,
    async page(size, budgetLeft) {
      const _ = command();
      let after: Record<string, unknown> | undefined;
      if (last) {
        const f = opts.field;
        const raw = f ? (last as unknown as Record<string, unknown>)[f] : undefined;
        const key = toDate(raw) ?? raw;
        after = f ? _.and([{ [f]: _.gte(key) }, _.or([{ [f]: _.gt(key) }, { _id: _.gt(last._id) }])]) : { _id: _.gt(last._id) };
      }
      const rows = await opts.read(after, size + 1);
      const items = rows.slice(0, size);
      step.report.left = rows.length > size;
      step.more = rows.length > size;
      const { handled, stopped } = await inLanes(
        items,
        (item) => item.orderId ?? item._id,
        (item) => opts.handle(item, step.report),
        budgetLeft,
      );
      if (stopped) {
        step.report.left = true;
        step.more = false;
      } else if (items.length) last = items[items.length - 1];
      if (opts.afterPage && handled.length) await opts.afterPage(handled, step.report, budgetLeft);
    },
  };
  return step;
}

/** Runs the items LANES at a time, those of one lane (order) one after another in their order; starts none once the budget is spent. */
async function inLanes<T>(items: T[], laneOf: (item: T) => string, run: (item: T) => Promise<void>, budgetLeft: () => boolean): Promise<{ handled: T[]; stopped: boolean }> {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = laneOf(item);
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  const queue = [...lanes.values()];
  const handled: T[] = [];
  let stopped = false;
  const worker = async () => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) {
      for (const item of lane) {
        if (!budgetLeft()) {
          stopped = true;
          return;
        }
        await run(item);
        handled.push(item);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LANES, queue.length) }, worker));
  return { handled, stopped };
}

const withAfter = (base: Record<string, unknown>, after: Record<string, unknown> | undefined) => (after ? command().and([base, after]) : base);

function deadlineStep(now: Date, settings: ShopSettings, actorOpenid?: string): Step {
  const _ = command();
  // Parked items (deadlineRetryAt in the future) are left out: they must not hold the head of the queue.
  const due = { status: _.in(DEADLINE_STATUSES), deadline: _.lte(now), deadlineRetryAt: _.or(_.exists(false), _.eq(null), _.lte(now)) };
  return keysetStep<ReturnDoc>({
    field: 'deadline',
    read: async (after, size) =>
      (
        await findMany<ReturnDoc>(C.returns, withAfter(due, after), {
          orderBy: [
            ['deadline', 'asc'],
            ['_id', 'asc'],
          ],
          limit: size,
        })
      ).map(normaliseReturn),
    handle: async (ret, report) => {
      try {
        const action = ret.deadlineAction as ActionName;
        const { ret: moved, records } = await transition({
          ret,
          actor: actorOpenid ? { role: 'SYSTEM', openid: actorOpenid } : { role: 'SYSTEM' },
          action,
          now,
          settings,
          // autoDecide: the arbiter's silence decides for the buyer.
          payload: { defaultReturnAddress: settings.defaultReturnAddress ?? null, ...(action === 'autoDecide' ? { decision: 'BUYER' as const } : {}) },
          ...(action === 'lapseProposal' ? { extra: proposalOutcome(ret, 'LAPSED', now) } : {}),
        });
        await afterMove(moved, now, settings, records);
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
          await cas(
            C.returns,
            { _id: ret._id, version: ret.version },
            {
              deadlineRetryAt: new Date(now.getTime() + DEADLINE_RETRY_MS),
              deadlineError: { code: (err as { details?: { refusal?: string } })?.details?.refusal ?? code ?? 'INTERNAL', message, at: now },
            },
          ).catch(() => undefined);
        }
      }
    },
  });
}

/**
 * After-sales whose outbox has work (app/outbox.ts), oldest change first: each
 * one's messages and consumer deliveries, then once per order of the page its
 * summary and stored ledger, then each one's flag.
 */
function outboxStep(now: Date, settings: ShopSettings): Step {
  const sent = new Map<string, boolean>();
  return keysetStep<ReturnDoc>({
    field: 'updatedAt',
    read: async (after, size) =>
      (
        await findMany<ReturnDoc>(C.returns, withAfter({ outboxPending: true }, after), {
          orderBy: [
            ['updatedAt', 'asc'],
            ['_id', 'asc'],
          ],
          limit: size,
        })
      ).map(normaliseReturn),
    handle: async (ret) => {
      sent.set(ret._id, await sendOutbox(ret, now, settings).catch(() => false));
    },
    // Within the pass's budget too: what is not closed stays pending for the next pass (its messages are idempotent).
    afterPage: async (handled, report, budgetLeft) => {
      const refreshed = new Map<string, boolean>();
      for (const orderId of new Set(handled.map((r) => r.orderId))) {
        if (!budgetLeft()) break;
        refreshed.set(orderId, await refreshOrder(orderId, settings).catch(() => false));
      }
      for (const ret of handled) {
        if (!refreshed.has(ret.orderId) || !budgetLeft()) {
          sent.delete(ret._id);
          report.skipped++;
          report.left = true;
          continue;
        }
        const done = await closeOutbox(ret, !!sent.get(ret._id) && !!refreshed.get(ret.orderId)).catch(() => false);
        sent.delete(ret._id);
        if (done) report.done++;
        else report.skipped++;
      }
    },
  });
}

function reminderStep(now: Date, settings: ShopSettings): Step {
  const _ = command();
  let staffCache: { _id: string; roles: string[] }[] | null = null;
  return keysetStep<ReturnDoc>({
    field: 'nextReminderAt',
    read: async (after, size) =>
      (
        await findMany<ReturnDoc>(C.returns, withAfter({ nextReminderAt: _.lte(now) }, after), {
          orderBy: [
            ['nextReminderAt', 'asc'],
            ['_id', 'asc'],
          ],
          limit: size,
        })
      ).map(normaliseReturn),
    handle: async (ret, report) => {
      const slot = ret.nextReminderAt as Date;
      const enteredAt = toDate(ret.statusEnteredAt) ?? ret.updatedAt;
      const next = nextReminderAt(ret.status, enteredAt, now, ret.deadline, settings.policy);
      // Claim this reminder slot: only one run sends it.
      const claimed = await cas(C.returns, { _id: ret._id, version: ret.version, nextReminderAt: slot }, { lastReminderAt: now, nextReminderAt: next });
      if (!claimed) {
        report.skipped++;
        return;
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
    },
  });
}

function refundStep(now: Date, settings: ShopSettings): Step {
  const _ = command();
  return keysetStep<RefundDoc>({
    field: 'nextCheckAt',
    read: (after, size) =>
      findMany<RefundDoc>(C.refunds, withAfter({ status: _.in([...OPEN_REFUND_STATUSES]), nextCheckAt: _.lte(now) }, after), {
        orderBy: [
          ['nextCheckAt', 'asc'],
          ['_id', 'asc'],
        ],
        limit: size,
      }),
    handle: async (raw, report) => {
      const ref = { ...raw, nextCheckAt: toDate(raw.nextCheckAt) ?? null } as RefundDoc;
      try {
        const uncommitted = await voidUncommitted(ref, now);
        if (uncommitted) {
          if (uncommitted === 'closed') report.done++;
          else report.skipped++;
          return;
        }
        const after = isUnsent(ref.status) ? (await guardedSubmit(ref, now, settings)).ref : await applyQuery(ref, await queryRefund(ref, settings), now, settings, 'SWEEP');
        if (after !== ref) report.done++;
        else report.skipped++;
      } catch (err) {
        report.skipped++;
        console.error(JSON.stringify({ level: 'warn', msg: 'refund not reconciled', outRefundNo: ref._id, error: String((err as Error)?.message ?? err) }));
      }
    },
    // Complete the after-sales whose refunds just reached a final state.
    afterPage: async (handled) => {
      for (const returnId of new Set(handled.map((r) => r.returnId))) {
        try {
          const ret = await loadReturn(returnId);
          if (!refundRunning(ret.status)) continue;
          const records = ownRecords(ret, await refundsOfOrder(ret.orderId));
          const moved = await complete(ret, records, now, settings);
          if (moved !== ret) await afterMove(moved, now, settings);
        } catch (err) {
          if ((err as { code?: string })?.code !== 'CONFLICT') console.error(JSON.stringify({ level: 'warn', msg: 'refund completion failed', returnId, error: String(err) }));
        }
      }
    },
  });
}

/** REFUNDING after-sales whose refund records were never created (the invocation that entered REFUNDING died). */
function orphanStep(now: Date, settings: ShopSettings): Step {
  const _ = command();
  const due = { status: _.in(REFUND_RUNNING), 'refundIds.0': _.exists(false), updatedAt: _.lte(new Date(now.getTime() - ORPHAN_AFTER_MS)) };
  return keysetStep<ReturnDoc>({
    read: async (after, size) => (await findMany<ReturnDoc>(C.returns, withAfter(due, after), { orderBy: [['_id', 'asc']], limit: size })).map(normaliseReturn),
    handle: async (ret, report) => {
      try {
        await settle(ret, now, settings, { submitDue: true });
        report.done++;
      } catch (err) {
        report.skipped++;
        console.error(JSON.stringify({ level: 'warn', msg: 'orphan refund not submitted', returnId: ret._id, error: String((err as Error)?.message ?? err) }));
      }
    },
  });
}
