/**
 * `npm start`: the local CloudBase emulator on 127.0.0.1:3000 (PORT overrides)
 * running the built functions, seeded with a demo shop when empty.
 *   npm start -- --reset      start from an empty database (then seed the demo)
 *   npm start -- --no-seed    do not seed
 *   npm start -- --quiet      do not echo function logs
 */
import path from 'node:path';
import { createEmulator } from './index';
import { demoSeed, DEMO, DEMO_CARRIER_ACCOUNTS } from './demo';
import { C, INDEXES } from '../../cloudfunctions/core/data/collections';

const root = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const port = Number(process.env.PORT ?? 3000);
  const emu = await createEmulator({
    port,
    dataDir: process.env.EMULATOR_DATA_DIR ?? path.join(root, '.data', 'emulator'),
    functionsDir: path.join(root, 'build', 'cloudfunctions'),
    reset: args.has('--reset'),
    functions: { echoLogs: !args.has('--quiet') },
  });
  for (const name of Object.values(C)) await emu.db.createCollection(name);
  for (const [coll, list] of Object.entries(INDEXES)) for (const ix of list) await emu.db.ensureIndex(coll, Object.keys(ix.keys), { unique: !!ix.unique });

  const empty = (await emu.db.find(C.orders)).length === 0;
  const seed = demoSeed(emu.clock.now());
  if (empty && !args.has('--no-seed')) {
    await fetch(`${emu.url}/_local/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(seed) });
    emu.openapi.setAccounts(DEMO_CARRIER_ACCOUNTS); // the demo shop's bound carrier account (logistics.getAllAccount)
  }
  // Data kept from an older release: the demo orders it lacks (e.g. the exchange orders) are added, nothing is replaced.
  const known = new Set((await emu.db.find(C.orders)).map((o) => String((o as { _id: unknown })._id)));
  const missing = (seed.orders as { _id: string }[]).filter((o) => !known.has(o._id));
  const noSkus = (await emu.db.find(C.skus)).length === 0;
  if (!empty && !args.has('--no-seed') && (missing.length || noSkus)) {
    const topUp = { orders: missing, ...(noSkus ? { skus: seed.skus } : {}) };
    await fetch(`${emu.url}/_local/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(topUp) });
  }

  const u = emu.url;
  console.log(`
售后 after-sales — local CloudBase emulator
  URL        ${u}
  data       ${emu.dataDir}${empty && !args.has('--no-seed') ? '  (seeded with the demo shop)' : ''}
  functions  ${emu.functions.list().join(', ')}

Demo identities (header x-wx-openid):
  buyer     ${DEMO.buyer}       orders O1001 (paid, not shipped) O1002 (shipped) O1003 (received yesterday)
                                 O1004 (received 8 days ago) O1005 (presale deposit+balance) O1006 (exempt / waiver)
                                 O1007 O1008 (clothing: 换货 to another size or colour, skus in the demo catalogue)
  merchant  ${DEMO.merchant}    arbiter ${DEMO.arbiter}    admin ${DEMO.admin}

Try it:
  curl -s ${u}/functions/applyReturn -H 'content-type: application/json' -H 'x-wx-openid: ${DEMO.buyer}' \\
    -d '{"action":"preview","orderId":"O1003","type":"RETURN_REFUND","reason":"NO_LONGER_WANTED","lines":[{"lineId":"L1","quantity":1}]}'
  curl -s ${u}/functions/applyReturn -H 'content-type: application/json' -H 'x-wx-openid: ${DEMO.buyer}' \\
    -d '{"action":"apply","requestId":"demo-apply-0001","orderId":"O1001","type":"REFUND_ONLY","reason":"WRONG_ORDER","lines":[{"lineId":"L2","quantity":1}]}'
  curl -s ${u}/functions/queryReturns -H 'content-type: application/json' -H 'x-wx-openid: ${DEMO.buyer}' \\
    -d '{"action":"exchangeOptions","orderId":"O1007"}'
  then approve it as the merchant (returnId from the answer):
  curl -s ${u}/functions/reviewReturn -H 'content-type: application/json' -H 'x-wx-openid: ${DEMO.merchant}' \\
    -d '{"action":"approve","requestId":"demo-approve-01","returnId":"<returnId>"}'
  curl -s -X POST ${u}/_local/pay/flush; curl -s ${u}/_local/db/returns

A whole return, scripted: npm run demo        Ctrl-C stops.
`);

  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    console.log('\nstopping…');
    await emu.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
