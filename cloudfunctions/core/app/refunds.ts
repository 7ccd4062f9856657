/**
 * Refund records and their life with the payment platform (domain.md "Refunds").
 * - A refund record (one per payment share) is stored with its out_refund_no
 *   BEFORE the platform is called; every retry reuses that number; a new
 *   number is made only for a share the platform closed.
 * - Answers are classified by machine/refundClassify: accepted ⇒ PROCESSING,
 *   unknown ⇒ UNKNOWN (query before anything else), transient ⇒ resubmit the
 *   same number with backoff, definite refusal ⇒ FAILED (the merchant acts).
 * - Money always goes back through the payment it came from: the only thing a
 *   record names is the original out_trade_no.
 */
import { AppError } from '../runtime/envelope';
import { cas, command, createIfAbsent, findById, findJoined, findMany, removeById, updateWhere } from '../data/db';
import { C } from '../data/collections';
import { checkMoney, planShares, RefundSplitError, type GuardViolation, type PlannedShare } from '../policy/amounts';
import { toDate } from '../policy/time';
import { queryRefundCall, refundCall, processingRecheck, retryBackoff, type QueryClassification } from './pay';
import { canMove, isInFlight, isLive, isUnsent, needsMerchant, type RefundStatus } from '../machine/refundRecords';
import { sharesPlannedByOthers, STALE_CLAIM_MS } from './ledger';
import { refundRunning } from '../machine/statuses';
import { normaliseRefund, plannedRefundRecord, refundTarget, type RefundDoc, type ReturnDoc } from './model';
import { readOrder } from '../orders/adapter';
import { loadForSettlement, transition, settlePlanOf, type OrderRead } from './returns';
import type { ShopSettings } from './settings';

export { refundTarget } from './model';
export { OPEN_REFUND_STATUSES } from '../machine/refundRecords';

const MINUTE = 60_000;
/**
 * Automatic submissions of one record that the platform never accepted
 * (transient errors, unknown outcomes the query showed were not applied).
 * After this many the record is FAILED and the after-sale goes to the merchant
 * (REFUND_FAILED: retry or offline refund) instead of looping unseen.
 */
export const MAX_AUTO_SUBMITS = 8;

/**
 * The after-sale's own records: those it names (refundIds). A record of it that
 * it does not name was stored by a settlement that never committed: never
 * sent, closed by the sweep (voidUncommitted), and never counted, retried,
 * closed offline or shown as one of its refunds.
 */
export function ownRecords(ret: Pick<ReturnDoc, '_id' | 'refundIds'>, records: readonly RefundDoc[]): RefundDoc[] {
  return records.filter((r) => r.returnId === ret._id && (ret.refundIds ?? []).includes(r._id));
}

export async function refundsOfOrder(orderId: string): Promise<RefundDoc[]> {
  return (await findMany<RefundDoc>(C.refunds, { orderId }, { limit: 1000 })).map(normaliseRefund);
}

/**
 * The order document with every refund record of the order (and, `withReturns`,
 * every after-sale of it) joined: one request, each as the database holds it
 * at that moment. Null when there is no such order.
 */
async function orderWithRecords(orderId: string, withReturns: boolean): Promise<{ rawOrder: Record<string, any>; returns: ReturnDoc[]; refunds: RefundDoc[] } | null> {
  const found = await findJoined(C.orders, orderId, [
    { from: C.refunds, localField: '_id', foreignField: 'orderId', as: 'refunds' },
    ...(withReturns ? [{ from: C.returns, localField: '_id', foreignField: 'orderId', as: 'returns' }] : []),
  ]);
  if (!found) return null;
  return { rawOrder: found.doc, returns: (found.joined.returns ?? []) as ReturnDoc[], refunds: (found.joined.refunds as RefundDoc[]).map(normaliseRefund) };
}

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

// ------------------------------------------------------------------ lock

const LOCK_TTL_MS = 30_000;

/** A short mutex per order while refund shares are planned (shares depend on every refund of the order). */
async function withOrderLock<T>(orderId: string, now: Date, fn: () => Promise<T>): Promise<T> {
  const id = `refund-plan:${orderId}`;
  const token = nonce();
  for (let i = 0; i < 20; i++) {
    const expiresAt = new Date(Date.now() + LOCK_TTL_MS);
    if (await createIfAbsent(C.locks, { _id: id, token, expiresAt })) {
      try {
        return await fn();
      } finally {
        await removeById(C.locks, id).catch(() => undefined);
      }
    }
    const held = await findById<{ token: string; expiresAt: Date }>(C.locks, id);
    if (held && (toDate(held.expiresAt)?.getTime() ?? 0) < Date.now()) {
      // Expired: the holder died. Take it over with a compare-and-set on its token.
      if (await cas(C.locks, { _id: id, token: held.token }, { token, expiresAt })) {
        try {
          return await fn();
        } finally {
          await removeById(C.locks, id).catch(() => undefined);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 150)));
  }
  void now;
  throw new AppError('CONFLICT', '退款正在处理中，请稍后重试');
}

// ------------------------------------------------------------------ plan

/**
 * Make sure the after-sale has refund records covering its refund target.
 * `stored`: the records its settlement just planned and stored (the usual
 * case: nothing to read). Otherwise the records are read; what is missing
 * (a share the platform closed, an after-sale settled before records were
 * planned with the settlement) is planned under a short lock per order, from
 * the order's records and the shares other after-sales planned.
 * Returns all of the return's records.
 */
export async function planRefunds(ret: ReturnDoc, now: Date, settings: ShopSettings, stored?: RefundDoc[]): Promise<RefundDoc[]> {
  if (!ret.refundPlan) Object.assign(ret, await settlePlanOf(ret, now, settings));
  const target = refundTarget(ret);
  if (stored && covered(stored) >= target) return stored;
  // Records already named on the after-sale: read them first, the lock is not needed when they cover it.
  // None named (it just entered REFUNDING): straight to the lock, which reads them anyway.
  // Only the records the after-sale names are its own: one it does not name was stored by a settlement of it that
  // never committed (never sent: the guard refuses it, the sweep closes it).
  if (ret.refundIds.length) {
    const mineFirst = ownRecords(ret, await refundsOfOrder(ret.orderId));
    if (covered(mineFirst) >= target) return mineFirst;
  }
  return withOrderLock(ret.orderId, now, async () => {
    const read = await loadForSettlement(ret.orderId, settings);
    const all = read.records ?? [];
    const named = read.returns?.find((r) => r._id === ret._id)?.refundIds ?? ret.refundIds;
    const mine = ownRecords({ _id: ret._id, refundIds: named }, all);
    let shares: PlannedShare[];
    try {
      shares = planShares({ returnId: ret._id, target, payments: read.order.payments, records: all, planned: sharesPlannedByOthers(read.ledger, ret._id), named });
    } catch (err) {
      if (err instanceof RefundSplitError) throw new AppError('REFUND_LIMIT', '退款金额超过订单可退余额', { missing: target - covered(mine) });
      throw err;
    }
    if (!shares.length) return mine;
    const created: RefundDoc[] = [];
    for (const share of shares) {
      const doc = plannedRefundRecord(ret, share, read.order.payments, now, now);
      if (!(await createIfAbsent(C.refunds, doc))) throw new AppError('CONFLICT', '退款正在处理中，请稍后重试');
      created.push(doc);
    }
    const _ = command();
    await updateWhere(C.returns, { _id: ret._id }, { refundIds: _.push(created.map((d) => d._id)) });
    ret.refundIds = [...ret.refundIds, ...created.map((d) => d._id)];
    return [...mine, ...created];
  });
}

function covered(records: RefundDoc[]): number {
  return records.filter((r) => isLive(r.status)).reduce((s, r) => s + r.refundFee, 0);
}

// ------------------------------------------------------------------ platform calls

export async function queryRefund(ref: Pick<RefundDoc, '_id'>, settings: ShopSettings): Promise<QueryClassification> {
  return queryRefundCall(ref._id, settings);
}

/** Store a record's new status, claimed by a compare-and-set on (status, tries). */
async function store(ref: RefundDoc, next: Partial<RefundDoc>, event: string, raw: unknown, now: Date): Promise<RefundDoc | null> {
  const to = (next.status ?? ref.status) as RefundStatus;
  if (!canMove(ref.status, to)) {
    // The refund-record table (machine/refundRecords.ts) has no such move: nothing is written.
    console.error(JSON.stringify({ level: 'error', msg: 'refund record move refused by the table', outRefundNo: ref._id, from: ref.status, to, event }));
    return null;
  }
  const _ = command();
  const data = { ...next, updatedAt: now, history: _.push([{ at: now, event, raw: raw === undefined ? null : JSON.parse(JSON.stringify(raw ?? null)) }]) };
  const won = await cas(C.refunds, { _id: ref._id, status: ref.status, tries: ref.tries }, data);
  if (!won) return null;
  return { ...ref, ...next, updatedAt: now };
}

/** Send one record (CREATED) to the platform and store the classified answer. */
async function submit(ref: RefundDoc, now: Date, settings: ShopSettings): Promise<RefundDoc> {
  const policyMinutes = settings.policy.refundQueryAfterMinutes;
  const { classified: c, raw } = await refundCall(
    { outRefundNo: ref._id, outTradeNo: ref.outTradeNo, totalFee: ref.totalFee, refundFee: ref.refundFee, returnId: ref.returnId },
    settings,
  );
  const tries = ref.tries + 1;
  const lastError = c.outcome === 'PROCESSING' ? undefined : { code: c.code, message: c.message, at: now };
  let next: Partial<RefundDoc>;
  switch (c.outcome) {
    case 'PROCESSING':
      next = { status: 'PROCESSING', tries, nextCheckAt: new Date(now.getTime() + policyMinutes * MINUTE) };
      break;
    case 'UNKNOWN':
      next = { status: 'UNKNOWN', tries, nextCheckAt: new Date(now.getTime() + MINUTE) };
      break;
    case 'RETRY':
      next = tries >= MAX_AUTO_SUBMITS ? { status: 'FAILED', tries, nextCheckAt: null } : { status: 'CREATED', tries, nextCheckAt: new Date(now.getTime() + retryBackoff(tries)) };
      break;
    case 'CLOSED':
      next = { status: 'CLOSED', tries, nextCheckAt: null };
      break;
    default:
      next = { status: 'FAILED', tries, nextCheckAt: null };
  }
  if (lastError) next.lastError = next.status === 'FAILED' && c.outcome === 'RETRY' ? { ...lastError, message: gaveUpMessage(lastError.message) } : lastError;
  return (await store(ref, next, `SUBMIT:${c.outcome}${c.code ? ':' + c.code : ''}`, raw, now)) ?? ref;
}

/** Apply what a query says (sweep and callback). */
export async function applyQuery(ref: RefundDoc, q: QueryClassification, now: Date, settings: ShopSettings, via: string): Promise<RefundDoc> {
  const tries = ref.tries;
  let next: Partial<RefundDoc> | null = null;
  switch (q.status) {
    case 'SUCCESS':
      if (q.refundFee !== undefined && q.refundFee !== ref.refundFee) {
        next = {
          status: 'ABNORMAL',
          nextCheckAt: null,
          lastError: { code: 'AMOUNT_MISMATCH', message: `支付平台退款金额（${q.refundFee}分）与退款单（${ref.refundFee}分）不一致，请核对`, at: now },
        };
      } else {
        next = { status: 'SUCCESS', nextCheckAt: null, ...(q.successTime ? { successTime: q.successTime } : {}), ...(q.refundId ? { refundId: q.refundId } : {}) };
      }
      break;
    case 'ABNORMAL':
      next = { status: 'ABNORMAL', nextCheckAt: null, lastError: { code: 'CHANGE', message: q.message, at: now } };
      break;
    case 'CLOSED':
      next = { status: 'CLOSED', nextCheckAt: null, lastError: { code: 'REFUNDCLOSE', message: q.message, at: now } };
      break;
    case 'PROCESSING':
      next = {
        status: 'PROCESSING',
        nextCheckAt: new Date(now.getTime() + processingRecheck(now.getTime() - new Date(ref.createdAt).getTime(), settings.policy.refundQueryAfterMinutes)),
      };
      break;
    case 'NOT_FOUND':
      // Never accepted by the platform: resubmitting the same number is safe — up to MAX_AUTO_SUBMITS.
      next =
        tries >= MAX_AUTO_SUBMITS
          ? { status: 'FAILED', nextCheckAt: null, lastError: { code: ref.lastError?.code ?? 'NOT_ACCEPTED', message: gaveUpMessage(ref.lastError?.message), at: now } }
          : { status: 'CREATED', nextCheckAt: now };
      break;
    default:
      next = { status: ref.status === 'CREATED' ? 'UNKNOWN' : ref.status, nextCheckAt: new Date(now.getTime() + retryBackoff(tries + 1)) };
  }
  return (await store(ref, next, `${via}:${q.status}`, q, now)) ?? ref;
}

function gaveUpMessage(last?: string): string {
  return `已自动重试 ${MAX_AUTO_SUBMITS} 次，支付平台仍未受理退款${last ? `（${last}）` : ''}，请重新发起或线下退款`;
}

/**
 * A record stored by a settlement whose after-sale never committed (its
 * invocation died between the two writes, or lost the commit and could not
 * remove it): never sent, named by no after-sale, older than any invocation.
 * It is closed unsent (CLOSED, NOT_COMMITTED) so nothing ever sends it.
 */
export async function voidUncommitted(ref: RefundDoc, now: Date): Promise<'closed' | 'wait' | null> {
  if (!isUnsent(ref.status) || ref.tries > 0) return null;
  const ret = await findById<ReturnDoc>(C.returns, ref.returnId);
  if (ret?.refundIds?.includes(ref._id)) return null;
  // Not named yet: its commit may still be on the way; never sent either way.
  if (now.getTime() - new Date(ref.createdAt).getTime() < STALE_CLAIM_MS) return 'wait';
  const note = { code: 'NOT_COMMITTED', message: '售后单未进入退款，此退款单作废（从未提交）', at: now };
  return (await store(ref, { status: 'CLOSED', nextCheckAt: null, lastError: note }, 'NOT_COMMITTED', null, now)) ? 'closed' : 'wait';
}

// ------------------------------------------------------------------ the money guard

export interface GuardOutcome {
  ok: boolean;
  violations: GuardViolation[];
}

/**
 * The last line before any pay call (policy/amounts/guard.ts): the order, the
 * settled plans stored on its after-sales and every refund record of the
 * order — not the ledger, not the path that led here.
 */
export async function guardOrder(orderId: string, settings: Pick<ShopSettings, 'orderAdapter'>, sending: readonly string[] = []): Promise<GuardOutcome> {
  // One request: the order with every after-sale and every refund record of it, as the database holds them now.
  const read = await orderWithRecords(orderId, true);
  if (!read) return { ok: false, violations: [{ code: 'LEDGER_GUARD', rule: 'RECORD_WITHOUT_PLAN', message: `订单 ${orderId} 不存在` }] };
  const { returns, refunds } = read;
  const order = readOrder(read.rawOrder, settings.orderAdapter);
  // A record no after-sale names was stored by a settlement that has not committed (yet, or ever): never sent, it
  // moves no money and is left out — except one of those about to be sent, which then has no plan to rest on.
  const named = new Set(returns.flatMap((r) => r.refundIds ?? []));
  const uncommitted = (r: RefundDoc) => r.status === 'CREATED' && r.tries === 0 && !named.has(r._id) && !sending.includes(r._id);
  const violations = checkMoney({ order, returns, refunds: refunds.map((r) => ({ ...r, live: isLive(r.status) && !uncommitted(r) })) });
  // Nothing is sent that its after-sale does not name (a record of a settlement that never committed).
  for (const id of sending) {
    if (!named.has(id)) violations.push({ code: 'LEDGER_GUARD', rule: 'RECORD_WITHOUT_PLAN', message: `退款单 ${id} 未被其售后单记录（结算未提交），不能发起退款` });
  }
  return { ok: violations.length === 0, violations };
}

/**
 * The guard said no: no pay call. The after-sale's unsent records are marked
 * FAILED (LEDGER_GUARD) so nothing retries them, the after-sale goes to the
 * merchant (REFUND_FAILED with `refundBlock`), and one error line is logged.
 */
async function blockRefund(ret: ReturnDoc, violations: GuardViolation[], now: Date, settings: ShopSettings): Promise<ReturnDoc> {
  const message = `退款超出订单可退范围，已拦截，未发起退款：${violations.map((v) => v.message).join('；')}`;
  console.error(JSON.stringify({ level: 'error', msg: 'LEDGER_GUARD: refund stopped before the pay call', returnId: ret._id, orderId: ret.orderId, violations }));
  const records = ownRecords(ret, await refundsOfOrder(ret.orderId)).filter((r) => r.status === 'CREATED');
  for (const r of records) await store(r, { status: 'FAILED', nextCheckAt: null, lastError: { code: 'LEDGER_GUARD', message, at: now } }, 'LEDGER_GUARD', violations, now);
  if (!refundRunning(ret.status)) return ret;
  const { ret: moved } = await transition({
    ret,
    actor: { role: 'SYSTEM' },
    action: 'refundFailed',
    now,
    settings,
    payload: { note: message },
    extra: { refundBlock: { code: 'LEDGER_GUARD', message, at: now } },
  });
  return moved;
}

/** Submit one record after the guard passed for its order (checked once per batch by the caller, or here). */
export async function guardedSubmit(ref: RefundDoc, now: Date, settings: ShopSettings, checked?: GuardOutcome): Promise<{ ref: RefundDoc; blocked?: GuardViolation[] }> {
  const verdict = checked ?? (await guardOrder(ref.orderId, settings, [ref._id]));
  if (!verdict.ok) {
    const ret = await findById<ReturnDoc>(C.returns, ref.returnId);
    if (ret) await blockRefund(normaliseRet(ret), verdict.violations, now, settings);
    return { ref, blocked: verdict.violations };
  }
  return { ref: await submit(ref, now, settings) };
}

function normaliseRet(ret: ReturnDoc): ReturnDoc {
  ret.timeline = ret.timeline ?? [];
  ret.refundIds = ret.refundIds ?? [];
  ret.evidence = ret.evidence ?? [];
  return ret;
}

// ------------------------------------------------------------------ settle

export interface SettleResult {
  ret: ReturnDoc;
  refunds: RefundDoc[];
}

/**
 * Drive a REFUNDING after-sale as far as it can go now: plan the records (from
 * the settled plan), pass the money guard, submit the ones never sent (or due
 * for a retry), query unknown ones, and complete the after-sale when every
 * record succeeded (REFUNDED) or one cannot succeed without the merchant
 * (REFUND_FAILED).
 */
export async function settle(ret: ReturnDoc, now: Date, settings: ShopSettings, opts: { submitDue?: boolean; records?: RefundDoc[] } = {}): Promise<SettleResult> {
  if (!refundRunning(ret.status)) return { ret, refunds: [] };
  let records: RefundDoc[];
  try {
    records = await planRefunds(ret, now, settings, opts.records);
  } catch (err) {
    // More than the payments still have: no attempt can ever succeed. Hand it to
    // the merchant (REFUND_FAILED, offline refund) instead of retrying forever.
    if (!(err instanceof AppError) || err.code !== 'REFUND_LIMIT') throw err;
    // The money guard says why, when it can (a plan above what was bought or paid).
    const verdict = await guardOrder(ret.orderId, settings);
    if (!verdict.ok) return { ret: await blockRefund(ret, verdict.violations, now, settings), refunds: [] };
    const note = `退款金额超过订单可原路退回的余额，请核对后线下退款并登记`;
    return { ret: (await transition({ ret, actor: { role: 'SYSTEM' }, action: 'refundFailed', now, settings, payload: { note } })).ret, refunds: [] };
  }
  const sending = (r: RefundDoc) => r.status === 'CREATED' && (!r.nextCheckAt || r.nextCheckAt.getTime() <= now.getTime() || r.tries === 0 || opts.submitDue);
  let verdict: GuardOutcome | undefined;
  if (records.some(sending)) {
    verdict = await guardOrder(
      ret.orderId,
      settings,
      records.filter(sending).map((r) => r._id),
    );
    if (!verdict.ok) {
      const blocked = await blockRefund(ret, verdict.violations, now, settings);
      return { ret: blocked, refunds: ownRecords(ret, await refundsOfOrder(ret.orderId)) };
    }
  }
  const out: RefundDoc[] = [];
  for (const ref of records) {
    let r = ref;
    const due = !r.nextCheckAt || r.nextCheckAt.getTime() <= now.getTime();
    if (r.status === 'UNKNOWN' && due) r = await applyQuery(r, await queryRefund(r, settings), now, settings, 'QUERY');
    if (sending(r)) r = (await guardedSubmit(r, now, settings, verdict)).ref;
    out.push(r);
  }
  records = out;
  return { ret: await complete(ret, records, now, settings), refunds: records };
}

/** REFUNDING → REFUNDED when all records succeeded; → REFUND_FAILED when one cannot succeed without the merchant. */
export async function complete(ret: ReturnDoc, records: RefundDoc[], now: Date, settings: ShopSettings, loaded?: OrderRead): Promise<ReturnDoc> {
  if (!refundRunning(ret.status)) return ret;
  const target = refundTarget(ret);
  const live = records.filter((r) => isLive(r.status));
  const succeeded = live.filter((r) => r.status === 'SUCCESS').reduce((s, r) => s + r.refundFee, 0);
  const broken = records.find((r) => needsMerchant(r.status)) ?? (covered(records) < target ? records.find((r) => !isLive(r.status)) : undefined);
  if (broken) {
    const note = broken.lastError?.message ?? '退款未能完成';
    return (await transition({ ret, actor: { role: 'SYSTEM' }, action: 'refundFailed', now, settings, payload: { note }, loaded })).ret;
  }
  if (succeeded >= target && live.every((r) => r.status === 'SUCCESS')) {
    return (await transition({ ret, actor: { role: 'SYSTEM' }, action: 'refundSucceeded', now, settings, loaded })).ret;
  }
  return ret;
}

/** Merchant retry: records that need the merchant go back to CREATED (same number); closed shares get new numbers at planning. */
export async function resetForRetry(ret: ReturnDoc, now: Date): Promise<void> {
  const records = ownRecords(ret, await refundsOfOrder(ret.orderId));
  for (const r of records) {
    if (needsMerchant(r.status)) await store(r, { status: 'CREATED', nextCheckAt: now }, 'RETRY_BY_MERCHANT', null, now);
  }
}

/**
 * markOffline: what the merchant still owes outside the platform = the target
 * minus what the platform refunded. Refused while a record is in flight
 * (PROCESSING / UNKNOWN): it may still succeed, and the buyer would be paid twice.
 */
export async function offlinePlan(ret: ReturnDoc): Promise<{ amount: number; records: RefundDoc[] }> {
  const records = ownRecords(ret, await refundsOfOrder(ret.orderId));
  if (records.some((r) => isInFlight(r.status))) {
    throw new AppError('INVALID_STATE', '仍有退款在支付平台处理中，请等待结果后再登记线下退款', { refusal: 'REFUND_IN_FLIGHT' });
  }
  const succeeded = records.filter((r) => r.status === 'SUCCESS').reduce((s, r) => s + r.refundFee, 0);
  return { amount: Math.max(0, refundTarget(ret) - succeeded), records };
}

/** After markOffline: the records never completed online are closed as OFFLINE, so no sweep sends them later. */
export async function closeOffline(records: RefundDoc[], now: Date): Promise<void> {
  for (const r of records) {
    if (canMove(r.status, 'OFFLINE') && !isInFlight(r.status)) await store(r, { status: 'OFFLINE', nextCheckAt: null }, 'OFFLINE_BY_MERCHANT', null, now);
  }
}
