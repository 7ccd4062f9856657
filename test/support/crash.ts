/**
 * What an invocation that died between its refund settlement's ledger claim
 * (with its planned record stored) and its commit leaves behind — the crash
 * case the design plans for (app/returns.ts claimSettlement): the ledger entry
 * one version ahead (REFUNDING, the plan and its share, claimed at `now`, its
 * own claim id that no after-sale carries) and the record, CREATED, never
 * tried, named by no after-sale. Documents for h.seed (EJSON dates).
 */
export function deadSettlementDocs(opts: {
  ledger: { _id: string; rev: number; entries: Record<string, any> };
  returnId: string;
  orderId: string;
  /** The entry's version is the after-sale's + 1. */
  version: number;
  lines: { lineId: string; quantity: number; amount: number }[];
  payment: { outTradeNo: string; amount: number };
  amount: number;
  outRefundNo: string;
  now: number;
  claimId: string;
}): { ledgers: Record<string, unknown>[]; refunds: Record<string, unknown>[] } {
  const at = { $date: new Date(opts.now).toISOString() };
  const { amount } = opts;
  const plan = { lines: opts.lines, items: amount, shipping: 0, postage: 0, total: amount, target: amount, offline: 0, lowered: false, at };
  const held = opts.ledger.entries?.[opts.returnId] ?? {};
  return {
    ledgers: [
      {
        ...opts.ledger,
        rev: opts.ledger.rev + 1,
        entries: {
          ...opts.ledger.entries,
          [opts.returnId]: {
            ...held,
            returnId: opts.returnId,
            status: 'REFUNDING',
            version: opts.version + 1,
            lines: opts.lines,
            refundPlan: plan,
            refundShares: [{ outRefundNo: opts.outRefundNo, outTradeNo: opts.payment.outTradeNo, amount }],
            claimedAt: at,
            claimId: opts.claimId,
          },
        },
      },
    ],
    refunds: [
      {
        _id: opts.outRefundNo,
        returnId: opts.returnId,
        orderId: opts.orderId,
        outTradeNo: opts.payment.outTradeNo,
        totalFee: opts.payment.amount,
        refundFee: amount,
        status: 'CREATED',
        tries: 0,
        history: [{ at, event: 'CREATED' }],
        nextCheckAt: { $date: new Date(opts.now + 120_000).toISOString() },
        createdAt: at,
        updatedAt: at,
      },
    ],
  };
}
