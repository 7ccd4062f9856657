/**
 * Creates every collection the functions use, and their indexes.
 *   npx tsx scripts/setup-db.ts --emulator [http://127.0.0.1:3000]
 *   TCB_ENV=<env id> TENCENTCLOUD_SECRETID=... TENCENTCLOUD_SECRETKEY=... npx tsx scripts/setup-db.ts
 * The collections and indexes are the deploy plan's (scripts/deploy/plan.ts
 * `databasePlan()`, from cloudfunctions/core/data/collections.ts): one source.
 * Collections are created through @cloudbase/node-sdk (both targets). The
 * node SDK has no index API: on the emulator indexes are declared through its
 * /_local/indexes route; for a real environment `npm run deploy` creates the
 * indexes (and rules) with @cloudbase/manager-node, and this script lists them.
 */
import { connectTarget } from './cloudbase-target';
import { databasePlan } from './deploy/plan';

export async function createCollections(db: { createCollection(name: string): Promise<unknown> }): Promise<{ created: string[]; existed: string[] }> {
  const created: string[] = [];
  const existed: string[] = [];
  for (const { name } of databasePlan()) {
    try {
      await db.createCollection(name);
      created.push(name);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown } | undefined;
      const text = `${e?.code ?? ''} ${e?.message ?? err}`;
      if (/exist/i.test(text)) existed.push(name);
      else throw err;
    }
  }
  return { created, existed };
}

async function main(): Promise<void> {
  const { app, emulatorUrl } = connectTarget(process.argv.slice(2));
  // biome-ignore lint/plugin/no-as-any: node-sdk 3.17 types createCollection() as Promise<any> on a Db whose other members we do not use; createCollections takes only that method
  const result = await createCollections(app.database() as any);
  console.log(`collections created: ${result.created.join(', ') || '—'}; already there: ${result.existed.join(', ') || '—'}`);
  if (emulatorUrl) {
    const indexes = Object.fromEntries(databasePlan().map((c) => [c.name, c.indexes]));
    const res = await fetch(`${emulatorUrl}/_local/indexes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(indexes) });
    console.log(`indexes declared on the emulator: ${res.status === 200 ? 'ok' : `HTTP ${res.status}`}`);
  } else {
    console.log(`Indexes: \`npm run deploy -- --env ${process.env.TCB_ENV}\` creates the missing ones (or create them in 数据库 → 集合 → 索引管理):`);
    for (const c of databasePlan()) for (const ix of c.indexes) console.log(`  ${c.name}.${ix.name}: ${JSON.stringify(ix.keys)}${ix.unique ? ' unique' : ''}`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
