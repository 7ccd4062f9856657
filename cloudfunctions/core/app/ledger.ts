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
 * - A transition writes only its after-sale. The ledger is always read with
 *   the order's after-sales (one aggregate) and each entry is overlaid with
 *   its after-sale when that is newer (`overlay`): a decision sees every
 *   status as committed. Only moves that take units or money claim the ledger
 *   (apply, modify for more units, the settlement); the others only give
 *   units back (cancel, close, an exchange done) or change nothing the ledger
 *   decides on. The one move that makes a withdrawable holder firm again
 *   (appeal from REJECTED) is serialised on the after-sale itself: a new
 *   application withdraws a rejected one by compare-and-set BEFORE it claims.
 *   Every claim also stores the overlay (the stored ledger catches up), and
 *   the sweep's outbox step refreshes it with the order's summary.
 * - Keys are return ids (made by the product: `R` + digits); line ids only
 *   ever appear as values, so any line id (dots, `$`, unicode) is safe.
 * - The order's `afterSale[lineId]` summary (api.md) is a mirror for the
 *   shop's own pages, written whole after the fact, never read for a decision.
 * A ledger that does not exist yet is built from the `returns` collection (and
 * from a first-release ledger kept on the order document), so existing data
 * migrates itself on first use; `npm run migrate:ledger` does it for all orders.
 */
import { randomBytes } from 'node:crypto';
import type { PriorReturn, ReturnStatus } from '../policy/types';
import type { OrderView } from '../orders/adapter';
import type { RefundPlan } from '../policy/amounts/settle';
import type { PlannedShare } from '../policy/amounts/planShares';
import { toDate } from '../policy/time';
import { cas, command, createIfAbsent, database } from '../data/db';
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
  /** Its refund records as planned with the settlement: a share not stored yet holds its payment's balance. */
  refundShares?: PlannedShare[] | null;
  /** When a claim was written ahead of its after-sale (apply, modify, settlement): a claim whose after-sale never moved is voided after a while. */
  claimedAt?: Date | null;
  /** The claim's id, stored on the after-sale by the commit it was made for: at the same version, another id means that commit never came. */
  claimId?: string;
}

export interface LedgerDoc {
  _id: string;
  rev: number;
  entries: Record<string, LedgerEntry>;
  /** Not stored yet (built from the after-sales on this read): the first claim creates it. */
  unsaved?: boolean;
  /** Entries the overlay changed (null: dropped), stored with the next claim. */
  pending?: Record<string, LedgerEntry | null>;
  /** Claims in flight: ahead of their after-sale (or for one not stored yet) and not stale — their commit may still come. */
  inFlight?: string[];
}

export interface OrderDoc extends OrderView {
  /** First release: the ledger on the order document (read once, to migrate). */
  afterSaleReturns?: Record<string, LedgerEntry>;
}

export function entriesOf(ledger: LedgerDoc): LedgerEntry[] {
  return Object.values(ledger.entries ?? {});
}

/** The refund records the order's other after-sales planned with their settlements (a share not stored yet holds its payment). */
export function sharesPlannedByOthers(ledger: LedgerDoc, returnId: string): PlannedShare[] {
  return entriesOf(ledger)
    .filter((e) => e.returnId !== returnId)
    .flatMap((e) => e.refundShares ?? []);
}

export function ledgerEntry(
  ret: Pick<
    ReturnDoc,
    '_id' | 'status' | 'type' | 'reason' | 'lines' | 'attempts' | 'version' | 'applyKey' | 'createdAt' | 'logistics' | 'refundPlan' | 'goodsSentAt' | 'refundShares'
  >,
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
    ...(ret.refundShares?.length ? { refundShares: ret.refundShares } : {}),
    version: ret.version,
    applyKey: ret.applyKey,
    createdAt: ret.createdAt,
  };
}

/** A fresh claim id (apply, a modify for other lines, a settlement): stored on the entry and by the commit on the after-sale. */
export function newClaimId(): string {
  return randomBytes(8).toString('hex');
}

/** The entry a claim writes for `ret` as it will be committed (its claimId included). */
export function claimEntry(ret: Parameters<typeof ledgerEntry>[0] & Pick<ReturnDoc, 'claimId'>, now: Date): LedgerEntry {
  return { ...ledgerEntry(ret), claimedAt: now, ...(ret.claimId ? { claimId: ret.claimId } : {}) };
}

function normaliseLedger(raw: Record<string, any>): LedgerDoc {
  const entries: Record<string, LedgerEntry> = {};
  for (const [id, e] of Object.entries((raw.entries ?? {}) as Record<string, LedgerEntry>)) {
    entries[id] = { ...e, createdAt: toDate(e.createdAt) as Date, claimedAt: e.claimedAt ? (toDate(e.claimedAt) ?? null) : null };
  }
  return { _id: raw._id, rev: Number(raw.rev) || 0, entries };
}

/** A claim written ahead of its after-sale whose invocation is long gone (functions time out within a minute). */
export const STALE_CLAIM_MS = 120_000;

/** The ledger entry of an after-sale as stored (its dates revived, its lines never missing). */
function storedEntry(raw: ReturnDoc): LedgerEntry {
  return ledgerEntry({ ...raw, createdAt: toDate(raw.createdAt) as Date, lines: raw.lines ?? [] });
}

/**
 * The ledger as the after-sales stand now: each entry replaced by its
 * after-sale's when that is newer (a transition committed since the entry was
 * written), a claim ahead of its after-sale kept unless it is stale (its
 * invocation died before the commit: the after-sale is the truth again), a
 * claim for an after-sale never stored dropped once stale, and an after-sale
 * missing from the ledger added. What changed is kept in `pending`, stored by
 * the next claim. Pure.
 */
export function overlay(ledger: LedgerDoc, returns: readonly ReturnDoc[], now: Date = new Date()): LedgerDoc {
  const pending: Record<string, LedgerEntry | null> = { ...(ledger.pending ?? {}) };
  const entries = { ...ledger.entries };
  const inFlight: string[] = [];
  const stale = (e: LedgerEntry) => !!e.claimedAt && now.getTime() - new Date(e.claimedAt).getTime() > STALE_CLAIM_MS;
  const seen = new Set<string>();
  for (const raw of returns) {
    if (raw.orderId !== ledger._id) continue;
    seen.add(raw._id);
    const held = entries[raw._id];
    // The after-sale reached this version by another commit than the claim's (that one can never come now); a claim
    // without an id (written by an earlier release) is told apart by its status.
    const superseded = !!held?.claimedAt && held.version === raw.version && (held.claimId ? held.claimId !== raw.claimId : held.status !== raw.status);
    if (held && held.version === raw.version && !superseded) continue;
    if (held && held.version > raw.version && !stale(held)) {
      inFlight.push(raw._id);
      continue;
    }
    const live = storedEntry(raw);
    entries[raw._id] = live;
    pending[raw._id] = live;
  }
  for (const [id, e] of Object.entries(entries)) {
    if (seen.has(id) || !e.claimedAt) continue;
    if (stale(e)) {
      delete entries[id];
      pending[id] = null;
    } else inFlight.push(id);
  }
  return { ...ledger, entries, ...(Object.keys(pending).length ? { pending } : {}), ...(inFlight.length ? { inFlight } : {}) };
}

/**
 * The ledger from its document as read with the order and the order's
 * after-sales (one request), overlaid with them; none stored yet: built from
 * the after-sales (the first claim stores it).
 */
export function ledgerOfRead(
  order: Pick<OrderDoc, '_id' | 'afterSaleReturns' | 'afterSale' | 'lines'>,
  raw: Record<string, any> | null | undefined,
  returns: readonly ReturnDoc[],
  now: Date = new Date(),
): LedgerDoc {
  if (raw) return overlay(normaliseLedger(raw), returns, now);
  return { ...ledgerFrom(order, returns), unsaved: true };
}

/** The ledger an order's after-sales make (pure; also used by `npm run migrate:ledger`). */
export function ledgerFrom(order: Pick<OrderDoc, '_id' | 'afterSaleReturns' | 'afterSale' | 'lines'>, returns: readonly ReturnDoc[]): LedgerDoc {
  const entries: Record<string, LedgerEntry> = {};
  for (const [id, e] of Object.entries(order.afterSaleReturns ?? {})) entries[id] = { ...e, createdAt: toDate(e.createdAt) as Date };
  for (const ret of returns) entries[ret._id] = storedEntry(ret);
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
export async function claim(ledger: LedgerDoc, ownChanges: Record<string, LedgerEntry | null>): Promise<boolean> {
  const _ = command();
  // The overlay this decision was made on is stored with it (entries the claim names win).
  const changes = { ...(ledger.pending ?? {}), ...ownChanges };
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
    delete ledger.pending;
    for (const [id, entry] of Object.entries(changes)) {
      if (entry) ledger.entries[id] = entry;
      else delete ledger.entries[id];
    }
  }
  return won;
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
 * The after-sales as committed, for the order's summary: each entry replaced by
 * its after-sale as stored; a claim whose after-sale is not stored yet (or not
 * committed at the claimed version) is not shown. Entries with no after-sale
 * and no claim (a first-release summary or on-order ledger) stay. Pure.
 */
export function committedView(ledger: LedgerDoc, returns: readonly ReturnDoc[]): LedgerDoc {
  const entries: Record<string, LedgerEntry> = {};
  for (const [id, e] of Object.entries(ledger.entries)) if (!e.claimedAt) entries[id] = e;
  for (const raw of returns) {
    if (raw.orderId !== ledger._id) continue;
    entries[raw._id] = storedEntry(raw);
  }
  return { ...ledger, entries };
}

/**
 * The stamp the order's summary is written under: monotonic (the ledger's rev
 * and every after-sale's version only grow, after-sales are never deleted),
 * and one stamp is one content (the same rev and the same sum of versions are
 * the same ledger and the same after-sales).
 */
export function summaryStamp(ledger: Pick<LedgerDoc, 'rev'>, returns: readonly Pick<ReturnDoc, 'version'>[]): number {
  return ledger.rev * 1_000_000 + returns.reduce((s, r) => s + (Number(r.version) || 0), 0);
}

/**
 * Write the order's summary (api.md `afterSale[lineId] = { returnId, status }`,
 * and `afterSaleLines`) from the after-sales as committed, under its stamp:
 * nothing when the order already shows that stamp or a later one (`shown`: its
 * afterSaleMirrorRev as read). The whole object is set at once (`_.set`), so
 * line ids are keys as given and never field paths.
 */
export async function writeSummary(ledger: LedgerDoc, returns: readonly ReturnDoc[], shown?: number): Promise<void> {
  const stamp = summaryStamp(ledger, returns);
  if (shown !== undefined && shown >= stamp) return;
  const view = committedView(ledger, returns);
  const _ = command();
  await database()
    .collection(C.orders)
    .where({ _id: ledger._id, afterSaleMirrorRev: _.or(_.exists(false), _.lt(stamp)) })
    .update({ data: { afterSale: _.set(summaryOf(view)), afterSaleLines: _.set(summaryLines(view)), afterSaleMirrorRev: stamp } });
}
