/**
 * Loading after-sales and running one transition: the pure machine decides,
 * then a single compare-and-set on (id, status, version) stores the new
 * fields and the timeline event together; the order's ledger mirrors it.
 */
import { decide, refusalError, type TimelineEvent, type TransitionErrorCode } from '../machine/apply';
import { needsLedger, type ActionName, type Actor, type LedgerView, type TransitionPayload } from '../machine/transitions';
import { toCurrent } from './current';
import { Answered, AppError, ok, type ErrorCode } from '../runtime/envelope';
import { cas, command, createIfAbsent, findById, findJoined, removeById, type Lookup } from '../data/db';
import { C } from '../data/collections';
import { toDate } from '../policy/time';
import { STATUSES } from '../machine/statuses';
import { normaliseRefund, plannedRefundRecord, type RefundDoc, type ReturnDoc, type TimelineEntry } from './model';
import { claim, claimEntry, ledgerOfRead, newClaimId, sharesPlannedByOthers, STALE_CLAIM_MS, type LedgerDoc, type OrderDoc } from './ledger';
import { readOrder } from '../orders/adapter';
import { settleRefund, type RefundPlan } from '../policy/amounts/settle';
import { planShares, type PlannedShare } from '../policy/amounts/planShares';
import { RefundSplitError } from '../policy/amounts/splitPayments';
import { eventFields, eventOf } from './events';
import type { ShopSettings } from './settings';
import { returnView } from './view';
import type { Role } from '../policy/types';

export async function loadReturn(returnId: string): Promise<ReturnDoc> {
  const ret = await findById<ReturnDoc>(C.returns, returnId);
  if (!ret) throw new AppError('NOT_FOUND', '售后单不存在');
  return normaliseReturn(ret);
}

/** The order and its ledger as read together for a decision or a settlement. */
export interface OrderRead {
  order: OrderDoc;
  ledger: LedgerDoc;
  /** The stamp the order's summary shows (afterSaleMirrorRev as read, app/ledger.ts summaryStamp; -1: none yet). */
  shownRev: number;
  /** Every refund record of the order, when read with it (a settlement plans its records from them). */
  records?: RefundDoc[];
  /** The order's after-sales as read with it (loadForSettlement). */
  returns?: ReturnDoc[];
}

// Names the joined documents get in a read (taken out of the documents the product sees).
const JOINED_ORDER = '__aftersaleOrder';
const JOINED_LEDGER = '__aftersaleLedger';
const JOINED_RETURNS = '__aftersaleOrderReturns';
const JOINED_RECORDS = '__aftersaleOrderRefunds';

/** The order's refund records (index `order` of refunds). */
const ORDER_RECORDS: Lookup = { from: C.refunds, localField: '_id', foreignField: 'orderId', as: JOINED_RECORDS };

export async function orderRead(
  rawOrder: Record<string, any>,
  rawLedger: Record<string, any> | null | undefined,
  settings: Pick<ShopSettings, 'orderAdapter'>,
  returns: readonly ReturnDoc[],
): Promise<OrderRead> {
  const order = readOrder(rawOrder, settings.orderAdapter) as OrderDoc;
  return { order, ledger: ledgerOfRead(order, rawLedger, returns), shownRev: Number(rawOrder.afterSaleMirrorRev ?? -1) };
}

/** Joins the order's after-sales (index `order`): the ledger is overlaid with them, and built from them when none is stored yet. */
const ORDER_RETURNS: Lookup = { from: C.returns, localField: '_id', foreignField: 'orderId', as: 'orderReturns' };

/** The raw order with its ledger document, its after-sales and the documents `also` joins, in one request (null: no such order). */
export async function findOrderWith(
  orderId: string,
  also: readonly Lookup[] = [],
): Promise<{ rawOrder: Record<string, any>; rawLedger: Record<string, any> | undefined; returns: ReturnDoc[]; joined: Record<string, Record<string, any>[]> } | null> {
  const found = await findJoined(C.orders, orderId, [{ from: C.ledgers, localField: '_id', foreignField: '_id', as: JOINED_LEDGER }, ORDER_RETURNS, ...also]);
  return found && { rawOrder: found.doc, rawLedger: found.joined[JOINED_LEDGER][0], returns: found.joined.orderReturns as ReturnDoc[], joined: found.joined };
}

/** The order (through the shop's adapter) and its ledger as the after-sales stand now, in one request. */
export async function loadOrderAndLedger(orderId: string, settings: Pick<ShopSettings, 'orderAdapter'>): Promise<OrderRead> {
  const found = await findOrderWith(orderId);
  if (!found) throw new AppError('NOT_FOUND', '订单不存在');
  return { ...(await orderRead(found.rawOrder, found.rawLedger, settings, found.returns)), returns: found.returns };
}

/** The ledger read again (after a lost claim), as the after-sales stand now: one request. */
export async function reloadLedger(order: Pick<OrderDoc, '_id'>, settings: Pick<ShopSettings, 'orderAdapter'>): Promise<LedgerDoc> {
  return (await loadOrderAndLedger(order._id, settings)).ledger;
}

/** The order, its ledger and every refund record of it (what a settlement decides on), in one request. */
export async function loadForSettlement(orderId: string, settings: Pick<ShopSettings, 'orderAdapter'>): Promise<OrderRead> {
  const found = await findOrderWith(orderId, [ORDER_RECORDS]);
  if (!found) throw new AppError('NOT_FOUND', '订单不存在');
  return {
    ...(await orderRead(found.rawOrder, found.rawLedger, settings, found.returns)),
    records: (found.joined[JOINED_RECORDS] as RefundDoc[]).map(normaliseRefund),
    returns: found.returns,
  };
}

/**
 * An after-sale with its order, the order's ledger and after-sales (and what
 * `also` joins), in one request: what a decision, a settlement or the
 * refund planning reads (`loaded` is absent when the order is not found).
 */
export async function loadReturnWithOrder(
  returnId: string,
  settings: Pick<ShopSettings, 'orderAdapter'>,
  also: readonly Lookup[] = [],
): Promise<{ ret: ReturnDoc; loaded?: OrderRead; records: RefundDoc[]; joined: Record<string, Record<string, any>[]> }> {
  const found = await findJoined<ReturnDoc>(C.returns, returnId, [
    { from: C.orders, localField: 'orderId', foreignField: '_id', as: JOINED_ORDER },
    { from: C.ledgers, localField: 'orderId', foreignField: '_id', as: JOINED_LEDGER },
    { from: C.returns, localField: 'orderId', foreignField: 'orderId', as: JOINED_RETURNS },
    { from: C.refunds, localField: 'orderId', foreignField: 'orderId', as: JOINED_RECORDS },
    ...also,
  ]);
  if (!found) throw new AppError('NOT_FOUND', '售后单不存在');
  const [order] = found.joined[JOINED_ORDER];
  const records = (found.joined[JOINED_RECORDS] as RefundDoc[]).map(normaliseRefund);
  return {
    ret: normaliseReturn(found.doc),
    ...(order ? { loaded: { ...(await orderRead(order, found.joined[JOINED_LEDGER][0], settings, found.joined[JOINED_RETURNS] as ReturnDoc[])), records } } : {}),
    records,
    joined: found.joined,
  };
}

/** The AppError of a refusal by the transition table. */
export function refused(result: { code: TransitionErrorCode; message: string }): AppError {
  const e = refusalError(result.code, result.message);
  return new AppError(e.code as ErrorCode, e.message, e.details);
}

/** A buyer sees and acts only on their own after-sales; another's answers FORBIDDEN, with no data. */
export function requireOwner(ret: ReturnDoc, openid: string): void {
  if (ret.buyerOpenid !== openid) throw new AppError('FORBIDDEN', '这不是您的售后单，无权查看或操作');
}

export { toCurrent } from './current';

export function normaliseReturn(ret: ReturnDoc): ReturnDoc {
  ret.deadline = toDate(ret.deadline) ?? null;
  ret.createdAt = toDate(ret.createdAt) as Date;
  ret.updatedAt = toDate(ret.updatedAt) as Date;
  if (ret.nextReminderAt) ret.nextReminderAt = toDate(ret.nextReminderAt) ?? null;
  if (ret.lastReminderAt) ret.lastReminderAt = toDate(ret.lastReminderAt) ?? null;
  ret.timeline = (ret.timeline ?? []).map((e) => ({ ...e, at: toDate(e.at) as Date }));
  ret.evidence = ret.evidence ?? [];
  ret.refundIds = ret.refundIds ?? [];
  return ret;
}

/** The earlier call with this (caller, requestId), if it already changed this after-sale. */
export function priorEvent(ret: ReturnDoc, openid: string | undefined, requestId: string | undefined): TimelineEntry | undefined {
  if (!requestId) return undefined;
  return ret.timeline.find((e) => e.requestId === requestId && (e.actor.openid ?? undefined) === openid);
}

export interface TransitionRequest {
  ret: ReturnDoc;
  actor: Actor;
  action: ActionName;
  now: Date;
  settings: ShopSettings;
  payload?: TransitionPayload;
  requestId?: string;
  /** More fields stored in the same compare-and-set (logistics, approvedAmount, ...). */
  extra?: Record<string, unknown>;
  /** The order and its ledger as read with the after-sale (loadReturnWithOrder): no second read for the decision or the settlement. */
  loaded?: OrderRead;
  /** Entering REFUNDING: the amount the merchant grants (undefined = the settled maximum) and why it was lowered; `negotiated`: the buyer agreed to it (协商), whatever the type. */
  refund?: { requested?: number; reason?: string; negotiated?: boolean };
}

export function conflict(): AppError {
  return new AppError('CONFLICT', '售后单刚刚被其他操作更新，请刷新后重试');
}

/**
 * A compare-and-set lost: CONFLICT — unless the winner was this very request
 * sent twice at once (same caller and requestId on the timeline), which is
 * answered as the winner did.
 */
export async function lostRace(returnId: string, actor: { role: Role; openid?: string }, requestId: string | undefined, now: Date, settings: ShopSettings): Promise<Error> {
  if (!requestId) return conflict();
  const fresh = await loadReturn(returnId);
  if (!priorEvent(fresh, actor.openid, requestId)) return conflict();
  return new Answered(ok({ return: returnView(fresh, { role: actor.role, now, policy: settings.policy }) }));
}

/**
 * A settlement claim lost to another claim of the same after-sale: the twin of
 * this request (same caller and requestId) may have claimed the ledger and be
 * about to commit — wait briefly for its timeline event and answer as it did;
 * otherwise CONFLICT.
 */
async function lostClaimRace(returnId: string, actor: { role: Role; openid?: string }, requestId: string | undefined, now: Date, settings: ShopSettings): Promise<Error> {
  if (!requestId) return conflict();
  for (let i = 0; i < 5; i++) {
    const outcome = await lostRace(returnId, actor, requestId, now, settings);
    if (!(outcome instanceof AppError)) return outcome;
    await new Promise((r) => setTimeout(r, 50));
  }
  return conflict();
}

/** The order as the product sees it (through the shop's order adapter). */
export async function loadOrder(orderId: string, settings: Pick<ShopSettings, 'orderAdapter'>): Promise<OrderDoc> {
  const raw = await findById(C.orders, orderId);
  if (!raw) throw new AppError('NOT_FOUND', '订单不存在');
  return readOrder(raw, settings.orderAdapter) as OrderDoc;
}

/** What the machine reads of the ledger (rows with a ledgerGuard). */
export function ledgerView(ledger: LedgerDoc, order: OrderDoc, self: string): LedgerView {
  return {
    self,
    lines: order.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity, title: l.title })),
    entries: Object.values(ledger.entries).map((e) => ({ returnId: e.returnId, status: e.status, lines: e.lines })),
  };
}

/** The after-sale's fields that carry a settled refund (the plan, and the amounts the pages show). */
export function moneyFields(plan: RefundPlan, reason?: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    refundPlan: plan,
    amounts: { items: plan.items, shipping: plan.shipping, postage: plan.postage, total: plan.total },
  };
  if (plan.target < plan.total) fields.approvedAmount = plan.target;
  if (plan.offline > 0) fields.postageOffline = plan.offline;
  if (plan.lowered) fields.adjustReason = reason ?? '';
  return fields;
}

/** The AppError of a settlement the ledger refuses. */
function settleRefused(r: { code: string; message: string; maximum?: number }): AppError {
  if (r.code === 'UNITS_TAKEN' || r.code === 'LINE_NOT_FOUND') return new AppError('INVALID_STATE', r.message, { refusal: 'UNITS_TAKEN' });
  const code = r.code === 'AMOUNT_ABOVE_MAXIMUM' ? 'REFUND_LIMIT' : 'INVALID_ARGUMENT';
  return new AppError(code, r.message, { refusal: r.code, maximum: r.maximum, issues: [{ path: 'refundAmount', message: r.message }] });
}

/**
 * Settle `ret`'s refund from the ledger as it is now (pure: policy/amounts/settle.ts).
 * `fields` are what the after-sale will carry.
 */
export function settleFrom(
  ret: ReturnDoc,
  ledger: LedgerDoc,
  order: OrderDoc,
  now: Date,
  settings: ShopSettings,
  refund: TransitionRequest['refund'] = {},
): Record<string, unknown> {
  const settled = settleRefund({
    order,
    entries: Object.values(ledger.entries),
    self: {
      returnId: ret._id,
      // A negotiated amount is adjustable whatever the type; a converted exchange refunds as the return it became.
      type: refund.negotiated || ret.type === 'EXCHANGE' ? 'RETURN_REFUND' : ret.type,
      reason: ret.reason,
      lines: ret.lines,
      logistics: ret.logistics ?? null,
      pickupEver: !!ret.pickupBookedAt,
    },
    requested: refund.requested,
    policy: settings.policy,
    now,
  });
  if (!settled.ok) throw settleRefused(settled);
  return moneyFields(settled.plan, refund.reason);
}

/** The settled maximum `ret` would get now (the amount a merchant may grant at most), without claiming anything. */
export async function settledMaximum(ret: ReturnDoc, now: Date, settings: ShopSettings, loaded?: OrderRead): Promise<number> {
  const { order, ledger } = loaded ?? (await loadOrderAndLedger(ret.orderId, settings));
  const fields = settleFrom(ret, ledger, order, now, settings);
  const plan = fields.refundPlan as RefundPlan;
  return plan.total + plan.offline;
}

/**
 * The refund records `fields`' plan needs, planned with the settlement from
 * the order's records and the shares the other after-sales planned (pure
 * policy/amounts/planShares). None when the payments cannot carry it: the
 * refund planning finds that out and hands the after-sale to the merchant.
 */
function sharesFor(ret: ReturnDoc, fields: Record<string, unknown>, ledger: LedgerDoc, order: OrderDoc, records: readonly RefundDoc[]): PlannedShare[] {
  const plan = fields.refundPlan as RefundPlan;
  const planned = sharesPlannedByOthers(ledger, ret._id);
  try {
    return planShares({ returnId: ret._id, target: plan.target, payments: order.payments, records, planned, named: ret.refundIds });
  } catch (err) {
    if (err instanceof RefundSplitError) return [];
    throw err;
  }
}

const CLAIM_TRIES = 3;

/**
 * Claim the settled refund in the ledger (compare-and-set on its rev), before
 * the after-sale moves: the amounts are decided on the ledger as it is at this
 * moment, and a concurrent settlement of another after-sale of the order makes
 * this one decide again. The refund records are planned in the same claim
 * (their payment shares and numbers) and stored right after it, before the
 * commit. Answers the fields, the records and an undo for a lost commit.
 */
async function claimSettlement(
  ret: ReturnDoc,
  to: ReturnDoc['status'],
  version: number,
  extra: Record<string, unknown>,
  now: Date,
  settings: ShopSettings,
  refund: TransitionRequest['refund'],
  loaded?: OrderRead,
): Promise<{ fields: Record<string, unknown>; records: RefundDoc[]; undo: () => Promise<void> }> {
  // The order does not change under a claim; the ledger and the records are read again after a lost compare-and-set.
  let read = loaded?.records ? loaded : await loadForSettlement(ret.orderId, settings);
  const order = read.order;
  for (let i = 0; i < CLAIM_TRIES; i++) {
    if (i > 0) read = await loadForSettlement(ret.orderId, settings);
    const ledger = read.ledger;
    // Another after-sale's settlement in flight (claimed, not committed yet, or dead and not stale yet): what this one
    // may refund (the shipping fee goes with the refund that completes every unit) depends on whether it commits —
    // not decided on a guess: read again shortly, else CONFLICT (the caller or the next pass retries).
    if ((ledger.inFlight ?? []).some((id) => id !== ret._id && STATUSES[ledger.entries[id]?.status]?.refundBound)) {
      if (i + 1 < CLAIM_TRIES) await new Promise((r) => setTimeout(r, 100 * (i + 1)));
      continue;
    }
    const fields = settleFrom({ ...ret, ...extra } as ReturnDoc, ledger, order, now, settings, refund);
    const shares = sharesFor(ret, fields, ledger, order, read.records ?? []);
    fields.refundShares = shares;
    fields.refundIds = [...ret.refundIds, ...shares.map((x) => x.outRefundNo)];
    // The commit carries the claim's id: a claim whose commit never came is told apart from the after-sale (overlay).
    fields.claimId = newClaimId();
    const previous = ledger.entries[ret._id] ?? null;
    // The after-sale moved on since it was read (another transition claimed a newer version): lost race.
    if ((previous?.version ?? 0) > ret.version) throw conflict();
    const entry = claimEntry({ ...ret, ...extra, ...fields, status: to, version } as ReturnDoc, now);
    if (await claim(ledger, { [ret._id]: entry })) {
      // CREATED; the sweep looks at them only after STALE_CLAIM_MS, by then their after-sale committed or never will.
      const records = shares.map((share) => plannedRefundRecord(ret, share, order.payments, now, new Date(now.getTime() + STALE_CLAIM_MS)));
      const stored: RefundDoc[] = [];
      const undo = async () => {
        for (const r of stored) await removeById(C.refunds, r._id).catch(() => undefined);
        // Put the entry back unless it moved on (retried: another claim may get in between).
        for (let k = 0; k < CLAIM_TRIES; k++) {
          const fresh = await reloadLedger(order, settings);
          if (fresh.entries[ret._id]?.claimId !== entry.claimId) return;
          if (await claim(fresh, { [ret._id]: previous })) return;
        }
      };
      for (const r of records) {
        if (await createIfAbsent(C.refunds, r)) stored.push(r);
        else {
          // Another invocation holds this number (a twin of this request): let it go on, this one stops here.
          await undo();
          throw conflict();
        }
      }
      return { fields, records: stored, undo };
    }
  }
  throw conflict();
}

/**
 * decide → plan → commit. The machine decides (with the order's ledger when
 * the row reads it); a transition that enters REFUNDING settles the refund
 * from the ledger and claims it there; then one compare-and-set on (id,
 * status, version) stores the new fields and the timeline event together (the
 * only write of an after-sale's status), its outbox flagged in the same write
 * (the sweep then brings the stored ledger, the order's summary and the
 * messages after it). Nothing outside the document happens before the machine
 * said yes.
 */
export async function transition(req: TransitionRequest): Promise<{ ret: ReturnDoc; event: TimelineEntry; records?: RefundDoc[] }> {
  const { ret, actor, action, now, settings } = req;
  let ledger: LedgerView | undefined;
  // Read for the decision when the row needs it, and kept for the settlement that may follow (one read each).
  let loaded = req.loaded;
  if (needsLedger(ret.status, actor.role, action, ret.type)) {
    loaded ??= await loadOrderAndLedger(ret.orderId, settings);
    ledger = ledgerView(loaded.ledger, loaded.order, ret._id);
  }
  const result = decide({
    current: toCurrent(ret),
    actor,
    action,
    now,
    policy: settings.policy,
    payload: { defaultReturnAddress: settings.defaultReturnAddress ?? null, ...(req.payload ?? {}) },
    ledger,
  });
  if (!result.ok) {
    throw refused(result);
  }
  let extra = { ...(req.extra ?? {}) };
  let undo: (() => Promise<void>) | null = null;
  let records: RefundDoc[] | undefined;
  if (result.effects.includes('settleRefund')) {
    const settled = await claimSettlement(
      ret,
      result.to,
      ret.version + 1,
      extra,
      now,
      settings,
      req.refund?.requested !== undefined ? req.refund : ret.grantedAmount !== undefined ? { requested: ret.grantedAmount, reason: ret.adjustReason } : req.refund,
      loaded,
    ).catch(async (err: unknown) => {
      // The ledger moved under the claim: if that was this very request sent twice at once, answer as the twin does.
      if (err instanceof AppError && err.code === 'CONFLICT') throw await lostClaimRace(ret._id, actor, req.requestId, now, settings);
      throw err;
    });
    extra = { ...extra, ...settled.fields };
    undo = settled.undo;
    records = settled.records;
  }
  const event: TimelineEntry = { ...(result.event as TimelineEvent), ...(req.requestId ? { requestId: req.requestId } : {}) };
  const _ = command();
  const announced = eventOf({ ...ret, ...result.patch, ...extra } as ReturnDoc, action, ret.status, result.to, actor.role, now);
  const data = { ...replaceObjects({ ...result.patch, ...extra }), timeline: _.push([event]), ...eventFields(announced) };
  const won = await cas(C.returns, { _id: ret._id, status: ret.status, version: ret.version }, data);
  if (!won) {
    if (undo) await undo().catch(() => undefined);
    throw await lostRace(ret._id, actor, req.requestId, now, settings);
  }
  // What the commit set off (the order's summary, messages, the shop's event consumer) is in its outbox: the sweep delivers it.
  const stored = { ...ret, ...result.patch, ...extra, timeline: [...ret.timeline, event], events: [...(ret.events ?? []), announced], outboxPending: true } as ReturnDoc;
  return { ret: stored, event, ...(records ? { records } : {}) };
}

/**
 * A REFUNDING after-sale without a settled plan (entered REFUNDING before this
 * release): settle it now from the ledger, claim it there and store the plan.
 */
export async function settlePlanOf(ret: ReturnDoc, now: Date, settings: ShopSettings): Promise<Record<string, unknown>> {
  let settled: Awaited<ReturnType<typeof claimSettlement>>;
  try {
    settled = await claimSettlement(ret, ret.status, ret.version, {}, now, settings, {
      requested: typeof ret.approvedAmount === 'number' && ret.approvedAmount < ret.amounts.total ? ret.approvedAmount : undefined,
      reason: ret.adjustReason,
    });
  } catch (err) {
    if (err instanceof AppError && err.code !== 'CONFLICT') throw new AppError('REFUND_LIMIT', err.message, err.details);
    throw err;
  }
  if (!(await cas(C.returns, { _id: ret._id, status: ret.status, version: ret.version }, replaceObjects(settled.fields)))) {
    await settled.undo().catch(() => undefined);
    throw conflict();
  }
  return settled.fields;
}

/**
 * The SDK flattens nested objects of an update into dot paths (a merge); a
 * sub-document we store (logistics, returnAddress, ...) must replace the old one.
 */
export function replaceObjects(fields: Record<string, unknown>): Record<string, unknown> {
  const _ = command();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? _.set(v) : v;
  }
  return out;
}
