/**
 * `npm run migrate:ledger` — builds the after-sale ledger (collection
 * `ledgers`, one document per order) of every order that has after-sales but
 * no ledger yet: from the `returns` collection, a first-release ledger on the
 * order document (`afterSaleReturns`) and the order's `afterSale` summary.
 * Idempotent: an order that has a ledger is left alone; a second run creates
 * nothing and says so. The functions build a missing ledger on first use too,
 * so this is for a shop that wants every order migrated at once (and to see
 * the count) before it deploys.
 *   npm run migrate:ledger -- --emulator [http://127.0.0.1:3000]
 *   TCB_ENV=<env id> TENCENTCLOUD_SECRETID=... TENCENTCLOUD_SECRETKEY=... npm run migrate:ledger
 */
import { connectTarget } from './cloudbase-target';
import { C } from '../cloudfunctions/core/data/collections';
import { ledgerFrom, type OrderDoc } from '../cloudfunctions/core/app/ledger';
import type { ReturnDoc } from '../cloudfunctions/core/app/model';

const PAGE = 100;

interface Db {
  collection(name: string): any;
  createCollection(name: string): Promise<unknown>;
}

export interface MigrationReport {
  orders: number;
  created: number;
  existed: number;
  withoutAfterSales: number;
  /** After-sales whose events waited for the shop's consumer under the earlier `eventsPending` flag, now in the outbox. */
  outboxed: number;
}

/** Migrate every order of `db`; `log` gets one line per page. */
export async function migrateLedgers(db: Db, log: (line: string) => void = () => undefined): Promise<MigrationReport> {
  const report: MigrationReport = { orders: 0, created: 0, existed: 0, withoutAfterSales: 0, outboxed: 0 };
  // The collection is new in this release (npm run setup-db creates it too).
  await db.createCollection(C.ledgers).catch((err: unknown) => {
    if (!/exist/i.test(String((err as Error)?.message ?? err))) throw err;
  });
  for (let skip = 0; ; skip += PAGE) {
    const { data: orders } = await db.collection(C.orders).orderBy('_id', 'asc').skip(skip).limit(PAGE).get();
    if (!orders.length) break;
    for (const order of orders as OrderDoc[]) {
      report.orders++;
      const { data: have } = await db.collection(C.ledgers).where({ _id: order._id }).limit(1).get();
      if (have.length) {
        report.existed++;
        continue;
      }
      const { data: returns } = await db.collection(C.returns).where({ orderId: order._id }).limit(1000).get();
      const ledger = ledgerFrom(order, returns as ReturnDoc[]);
      if (!Object.keys(ledger.entries).length) {
        report.withoutAfterSales++;
        continue;
      }
      try {
        await db.collection(C.ledgers).add({ ...ledger, rev: 1, createdAt: new Date() });
        report.created++;
      } catch (err) {
        // Created meanwhile by a function (first use): that one stands.
        if (/exist|duplicate|E11000/i.test(String((err as Error)?.message ?? err))) report.existed++;
        else throw err;
      }
    }
    log(`…${report.orders} orders read, ${report.created} ledgers created`);
  }
  // Events the earlier release left waiting (eventsPending) are delivered by the sweep's outbox step (outboxPending).
  const moved = await db.collection(C.returns).where({ eventsPending: true }).update({ outboxPending: true, eventsPending: false });
  report.outboxed = Number(moved?.stats?.updated ?? moved?.updated ?? 0);
  return report;
}

async function main(): Promise<void> {
  const { app } = connectTarget(process.argv.slice(2));
  const r = await migrateLedgers(app.database() as unknown as Db, (line) => console.log(line));
  console.log(
    `ledger migration: ${r.orders} orders, ${r.created} ledgers created, ${r.existed} already had one, ${r.withoutAfterSales} without after-sales, ${r.outboxed} after-sales' waiting events moved to the outbox${r.created || r.outboxed ? '' : ' — nothing to do'}`,
  );
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
