/**
 * The after-sale ledger: the product's own record of what every after-sale of
 * an order holds and what was settled for its refund. One document per order
 * in the `ledgers` collection (only the functions write it; the shop's code
 * never touches it, so replacing an order document cannot erase a refund):
 *
 *   { _id: orderId, rev, entries: { [returnId]: LedgerEntry } }
 *
 * - Claims (apply, modify, the refund settlement) are compare-and-sets on
 *   `rev`: the decision was made on this ledger, and nothing moved since.
 * - After a transition the entry's status is mirrored, monotonic on the
 *   after-sale's version (and bumps `rev`, so a claim decided on the old
 *   status loses its compare-and-set and decides again).
 * - Keys are return ids (made by the product: `R` + digits); line ids only
 *   ever appear as values, so any line id (dots, `$`, unicode) is safe.
 * - The order's `afterSale[lineId]` summary (api.md) is a mirror for the
 *   shop's own pages, written whole after the fact, never read for a decision.
 * A ledger that does not exist yet is built from the `returns` collection (and
 * from a first-release ledger kept on the order document), so existing data
 * migrates itself on first use; `npm run migrate:ledger` does it for all orders.
 */
import type { PriorReturn, ReturnStatus } from '../policy/types';
import type { OrderView } from '../orders/adapter';
import type { RefundPlan } from '../policy/amounts/settle';
import { toDate } from '../policy/time';
import { cas, command, createIfAbsent, database, findById, findMany } from '../data/db';
import { C } from '../data/collections';
import { holdsUnits } from '../machine/statuses';
import { appliedStatus } from '../machine/transitions';
import type { ReturnDoc } from './model';

export interface LedgerEntry extends PriorReturn {
  version: number;
  applyKey: string;
  createdAt: Date;
  /** What the refund was settled at (written with the transition that entered REFUNDING). */
  refundPlan?: RefundPlan | null;
  /** When a claim was written ahead of its after-sale (apply, modify, settlement): a claim whose after-sale never moved is voided after a while. */
  claimedAt?: Date | null;
}

export interface LedgerDoc {
  _id: string;
  rev: number;
  entries: Record<string, LedgerEntry>;
  /** Not stored yet (built from the after-sales on this read): the first claim creates it. */
  unsaved?: boolean;
}

export interface OrderDoc extends OrderView {
  /** First release: the ledger on the order document (read once, to migrate). */
  afterSaleReturns?: Record<string, LedgerEntry>;
}

export function entriesOf(ledger: LedgerDoc): LedgerEntry[] {
  return Object.values(ledger.entries ?? {});
}

export function ledgerEntry(
  ret: Pick<ReturnDoc, '_id' | 'status' | 'type' | 'reason' | 'lines' | 'attempts' | 'version' | 'applyKey' | 'createdAt' | 'logistics' | 'refundPlan' | 'goodsSentAt'>,
): LedgerEntry {
  return {
    returnId: ret._id,
    status: ret.status,
    type: ret.type,
    reason: ret.reason,
    lines: ret.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity, amount: l.amount })),
    attempts: ret.attempts,
    shipped: !!ret.goodsSentAt || !!ret.logistics,
    refundPlan: ret.refundPlan ?? null,
    version: ret.version,
    applyKey: ret.applyKey,
    createdAt: ret.createdAt,
  };
}

function normaliseLedger(raw: Record<string, any>): LedgerDoc {
  const entries: Record<string, LedgerEntry> = {};
  for (const [id, e] of Object.entries((raw.entries ?? {}) as Record<string, LedgerEntry>)) {
    entries[id] = { ...e, createdAt: toDate(e.createdAt) as Date, claimedAt: e.claimedAt ? (toDate(e.claimedAt) ?? null) : null };
  }
  return { _id: raw._id, rev: Number(raw.rev) || 0, entries };
}

/**
 * The order's ledger. One that does not exist yet is built from the order's
 * after-sales in memory (a read writes nothing); the first claim stores it.
 */
export async function loadLedger(order: Pick<OrderDoc, '_id' | 'afterSaleReturns' | 'afterSale' | 'lines'>): Promise<LedgerDoc> {
  return ledgerOfRead(order, await findById(C.ledgers, order._id));
}

/**
 * The ledger from its document as just read (with the order, in one request);
 * none stored yet: built as loadLedger does, from `returns` when the order's
 * after-sales were read with it (no further request).
 */
export async function ledgerOfRead(
  order: Pick<OrderDoc, '_id' | 'afterSaleReturns' | 'afterSale' | 'lines'>,
  raw: Record<string, any> | null | undefined,
  returns?: readonly ReturnDoc[],
): Promise<LedgerDoc> {
  if (raw) return normaliseLedger(raw);
  return { ...(returns ? ledgerFrom(order, returns) : await buildLedger(order)), unsaved: true };
}

/** A ledger from the `returns` collection (the after-sales themselves) and a first-release ledger on the order document. */
export async function buildLedger(order: Pick<OrderDoc, '_id' | 'afterSaleReturns' | 'afterSale' | 'lines'>): Promise<LedgerDoc> {
  return ledgerFrom(order, await findMany<ReturnDoc>(C.returns, { orderId: order._id }, { limit: 1000 }));
}

/** The ledger an order's after-sales make (pure; also used by `npm run migrate:ledger`). */
export function ledgerFrom(order: Pick<OrderDoc, '_id' | 'afterSaleReturns' | 'afterSale' | 'lines'>, returns: readonly ReturnDoc[]): LedgerDoc {
  const entries: Record<string, LedgerEntry> = {};
  for (const [id, e] of Object.entries(order.afterSaleReturns ?? {})) entries[id] = { ...e, createdAt: toDate(e.createdAt) as Date };
  for (const ret of returns) entries[ret._id] = ledgerEntry({ ...ret, createdAt: toDate(ret.createdAt) as Date });
  // After-sales the order's summary names but nobody stored (written by the shop or a migration in api.md's
  // shape): each holds the whole line in the summary's status, so nothing is refunded twice on a guess.
  for (const [lineId, s] of Object.entries(order.afterSale ?? {})) {
    if (!s?.returnId || entries[s.returnId]?.lines.some((l) => l.lineId === lineId)) continue;
    const line = (order.lines ?? []).find((l) => l.lineId === lineId);
    if (!line) continue;
    const held = entries[s.returnId];
    const lines = [...(held?.lines ?? []), { lineId, quantity: line.quantity, amount: line.paidAmount }];
    entries[s.returnId] = {
      returnId: s.returnId,
      status: s.status ?? appliedStatus(),
      type: 'RETURN_REFUND',
      reason: 'OTHER',
      lines,
      attempts: 1,
      version: 0,
      applyKey: '',
      createdAt: new Date(0),
    };
  }
  return { _id: order._id, rev: 0, entries };
}

/**
 * Compare-and-set of claims: write these entries (null removes one) if the
 * ledger did not move since it was read. True when written.
 */
export async function claim(ledger: LedgerDoc, changes: Record<string, LedgerEntry | null>): Promise<boolean> {
  const _ = command();
  let won: boolean;
  if (ledger.unsaved) {
    // The first claim stores the ledger built from the after-sales: created only if nobody stored one meanwhile.
    const entries = { ...ledger.entries };
    for (const [id, entry] of Object.entries(changes)) {
      if (entry) entries[id] = entry;
      else delete entries[id];
    }
    won = await createIfAbsent(C.ledgers, { _id: ledger._id, rev: ledger.rev + 1, entries, createdAt: new Date() });
    if (won) delete ledger.unsaved;
  } else {
    const data: Record<string, unknown> = { rev: ledger.rev + 1 };
    for (const [id, entry] of Object.entries(changes)) data[`entries.${id}`] = entry ? _.set(entry) : _.remove();
    won = await cas(C.ledgers, { _id: ledger._id, rev: ledger.rev }, data);
  }
  if (won) {
    ledger.rev += 1;
    for (const [id, entry] of Object.entries(changes)) {
      if (entry) ledger.entries[id] = entry;
      else delete ledger.entries[id];
    }
  }
  return won;
}

/**
 * After a transition of `ret` (already stored): mirror it into the ledger,
 * monotonic on its version (a late write of an older version changes nothing),
 * then the order's summary.
 * - `ledger` is the one this invocation read or claimed: when its own claim
 *   put `ret` there at this version (entering REFUNDING) only the summary is
 *   written; otherwise the entry is written by a compare-and-set on its rev
 *   and, when that wins, the summary comes from it (no second read).
 * - Without one, or when the ledger moved since: an update monotonic on the
 *   version, then the summary from the ledger read again.
 */
export async function mirrorReturn(ret: ReturnDoc, ledger?: LedgerDoc): Promise<void> {
  const held = ledger && !ledger.unsaved ? (ledger.entries[ret._id]?.version ?? 0) : undefined;
  if (ledger && held === ret.version) return writeSummary(ledger);
  if (ledger && held !== undefined && held < ret.version && (await claim(ledger, { [ret._id]: ledgerEntry(ret) }))) return writeSummary(ledger);
  const _ = command();
  const res = await database()
    .collection(C.ledgers)
    .where({ _id: ret.orderId, [`entries.${ret._id}.version`]: _.or(_.exists(false), _.lt(ret.version)) })
    .update({ data: { [`entries.${ret._id}`]: _.set(ledgerEntry(ret)), rev: _.inc(1) } });
  if (!res?.stats?.updated && !(await findById(C.ledgers, ret.orderId))) {
    // No ledger yet (after-sales stored before this release): store the one the after-sales make now.
    const order = await findById<OrderDoc>(C.orders, ret.orderId);
    // The raw document is enough here: lines matter only for a summary in the documented shape.
    if (order) await createIfAbsent(C.ledgers, { ...(await buildLedger(order)), rev: 1, createdAt: new Date() });
  }
  await mirrorSummary(ret.orderId);
}

/**
 * The key of a line in the order's `afterSale` summary. The database refuses
 * field names with a dot or a leading `$` (docs/platform-limits.md), so such a
 * line id is stored percent-encoded (`SKU.9` → `SKU%2E9`, `$L1` → `%24L1`, and
 * `%` itself as `%25`); every other id is its own key. `afterSaleLines` keeps
 * the exact ids for any line.
 */
export function summaryKey(lineId: string): string {
  if (!/[.%]|^\$/.test(lineId)) return lineId;
  return lineId.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}

/** The per-line summary of api.md: the latest after-sale of each line. */
export function summaryOf(ledger: LedgerDoc): Record<string, { returnId: string; status: ReturnStatus; version: number }> {
  const out: Record<string, { returnId: string; status: ReturnStatus; version: number; at: number }> = {};
  for (const e of entriesOf(ledger)) {
    const at = new Date(e.createdAt).getTime() || 0;
    for (const l of e.lines) {
      const prev = out[l.lineId];
      // The latest after-sale of the line; one that still holds its units wins over a withdrawn one.
      const better = !prev || holdsUnits(e.status) > holdsUnits(prev.status) || (holdsUnits(e.status) === holdsUnits(prev.status) && at >= prev.at);
      if (better) out[l.lineId] = { returnId: e.returnId, status: e.status, version: e.version, at };
    }
  }
  const summary: Record<string, { returnId: string; status: ReturnStatus; version: number }> = {};
  for (const [lineId, s] of Object.entries(out)) summary[summaryKey(lineId)] = { returnId: s.returnId, status: s.status, version: s.version };
  return summary;
}

/** The same summary as a list with the exact line ids (for line ids that are not plain field names). */
export function summaryLines(ledger: LedgerDoc): { lineId: string; returnId: string; status: ReturnStatus; version: number }[] {
  const byKey = summaryOf(ledger);
  const ids = new Set(entriesOf(ledger).flatMap((e) => e.lines.map((l) => l.lineId)));
  return [...ids].map((lineId) => ({ lineId, ...byKey[summaryKey(lineId)] }));
}

/**
 * Write the order's summary from the ledger as it is now. The whole object is
 * set at once (`_.set`), so line ids are keys as given and never field paths.
 * Monotonic on the ledger's rev.
 */
export async function mirrorSummary(orderId: string): Promise<void> {
  const raw = await findById(C.ledgers, orderId);
  if (raw) await writeSummary(normaliseLedger(raw));
}

/** The order's summary from `ledger` as read or just written by this invocation (monotonic on its rev). */
export async function writeSummary(ledger: LedgerDoc): Promise<void> {
  const _ = command();
  await database()
    .collection(C.orders)
    .where({ _id: ledger._id, afterSaleMirrorRev: _.or(_.exists(false), _.lt(ledger.rev)) })
    .update({ data: { afterSale: _.set(summaryOf(ledger)), afterSaleLines: _.set(summaryLines(ledger)), afterSaleMirrorRev: ledger.rev } });
}
