/**
 * The ledger as the after-sales stand (app/ledger.ts overlay): pure. A
 * transition writes only its after-sale, so every read overlays the stored
 * entries with the after-sales read with them.
 */
import { committedView, overlay, STALE_CLAIM_MS, summaryStamp, type LedgerDoc, type LedgerEntry } from '../../cloudfunctions/core/app/ledger';
import type { ReturnDoc } from '../../cloudfunctions/core/app/model';

const NOW = new Date('2026-12-06T08:00:00Z');
const lines = [{ lineId: 'L1', quantity: 1, amount: 5000 }];
const entry = (returnId: string, status: string, version: number, extra: Record<string, unknown> = {}) =>
  ({ returnId, status, version, type: 'REFUND_ONLY', reason: 'OTHER', lines, attempts: 1, shipped: false, applyKey: 'k', createdAt: NOW, ...extra }) as unknown as LedgerEntry;
const doc = (_id: string, status: string, version: number, extra: Record<string, unknown> = {}) =>
  ({
    _id,
    orderId: 'O1',
    status,
    version,
    type: 'REFUND_ONLY',
    reason: 'OTHER',
    lines,
    attempts: 1,
    applyKey: 'k',
    createdAt: NOW,
    refundIds: [],
    ...extra,
  }) as unknown as ReturnDoc;
const ledger = (entries: Record<string, LedgerEntry>): LedgerDoc => ({ _id: 'O1', rev: 3, entries });
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('overlay', () => {
  it('a newer after-sale replaces its entry (and is kept for the next claim); an equal one changes nothing', () => {
    const l = overlay(ledger({ R1: entry('R1', 'PENDING_REVIEW', 1), R2: entry('R2', 'REJECTED', 2) }), [doc('R1', 'CANCELLED', 2), doc('R2', 'REJECTED', 2)], NOW);
    expect(l.entries.R1).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect(l.entries.R2).toMatchObject({ status: 'REJECTED', version: 2 });
    expect(Object.keys(l.pending ?? {})).toEqual(['R1']);
  });

  it('a claim ahead of its after-sale holds while fresh and gives way once stale', () => {
    const ahead = entry('R1', 'REFUNDING', 2, { claimedAt: ago(10_000), claimId: 'c1' });
    const fresh = overlay(ledger({ R1: ahead }), [doc('R1', 'PENDING_REVIEW', 1)], NOW);
    expect(fresh.entries.R1).toMatchObject({ status: 'REFUNDING' });
    // In flight: a settlement of another after-sale does not decide on it (app/returns.ts claimSettlement).
    expect(fresh.inFlight).toEqual(['R1']);
    const stale = { ...ahead, claimedAt: ago(STALE_CLAIM_MS + 1) };
    expect(overlay(ledger({ R1: stale }), [doc('R1', 'PENDING_REVIEW', 1)], NOW).entries.R1).toMatchObject({ status: 'PENDING_REVIEW', version: 1 });
  });

  it('at the same version: the claim stands when the after-sale carries its id, and gives way at once when another commit got there', () => {
    const claimed = entry('R1', 'REFUNDING', 2, { claimedAt: ago(1000), claimId: 'c1' });
    expect(overlay(ledger({ R1: claimed }), [doc('R1', 'REFUNDING', 2, { claimId: 'c1' })], NOW).pending).toBeUndefined();
    expect(overlay(ledger({ R1: claimed }), [doc('R1', 'CANCELLED', 2)], NOW).entries.R1).toMatchObject({ status: 'CANCELLED' });
    // A claim of an earlier release (no id) is told apart by its status.
    const old = entry('R1', 'REFUNDING', 2, { claimedAt: ago(1000) });
    expect(overlay(ledger({ R1: old }), [doc('R1', 'CANCELLED', 2)], NOW).entries.R1).toMatchObject({ status: 'CANCELLED' });
    expect(overlay(ledger({ R1: old }), [doc('R1', 'REFUNDING', 2)], NOW).pending).toBeUndefined();
  });

  it('a claim for an after-sale never stored holds while fresh and is dropped once stale; an after-sale missing from the ledger is added', () => {
    const orphan = entry('R9', 'PENDING_REVIEW', 1, { claimedAt: ago(1000) });
    expect(overlay(ledger({ R9: orphan }), [], NOW).entries.R9).toBeDefined();
    expect(overlay(ledger({ R9: orphan }), [], NOW).inFlight).toEqual(['R9']);
    const l = overlay(ledger({ R9: { ...orphan, claimedAt: ago(STALE_CLAIM_MS + 1) } }), [doc('R1', 'PENDING_REVIEW', 1)], NOW);
    expect(l.inFlight).toBeUndefined();
    expect(l.entries.R9).toBeUndefined();
    expect(l.pending).toMatchObject({ R9: null, R1: { status: 'PENDING_REVIEW' } });
    // After-sales of another order are not this ledger's.
    expect(overlay(ledger({}), [doc('RX', 'PENDING_REVIEW', 1, { orderId: 'O2' })], NOW).entries).toEqual({});
  });
});

describe('the order summary (committedView, summaryStamp)', () => {
  it('shows the after-sales as committed: a claim ahead or not stored yet is not shown; a first-release entry stays', () => {
    const view = committedView(
      ledger({
        R1: entry('R1', 'REFUNDING', 2, { claimedAt: NOW, claimId: 'c' }),
        R9: entry('R9', 'PENDING_REVIEW', 1, { claimedAt: NOW }),
        OLD: entry('OLD', 'REFUNDED', 0),
      }),
      [doc('R1', 'PENDING_REVIEW', 1)],
    );
    expect(Object.fromEntries(Object.entries(view.entries).map(([k, e]) => [k, e.status]))).toEqual({ R1: 'PENDING_REVIEW', OLD: 'REFUNDED' });
  });

  it('the stamp grows with the ledger and with any after-sale, never back', () => {
    const a = summaryStamp({ rev: 3 }, [doc('R1', 'PENDING_REVIEW', 1)]);
    expect(summaryStamp({ rev: 3 }, [doc('R1', 'AWAITING_SHIPMENT', 2)])).toBeGreaterThan(a);
    expect(summaryStamp({ rev: 4 }, [doc('R1', 'PENDING_REVIEW', 1)])).toBeGreaterThan(summaryStamp({ rev: 3 }, [doc('R1', 'CLOSED', 9)]));
  });
});
