/**
 * Benchmark of the emulator's document store with 100k documents: direct
 * store operations (with persistence on) and the same through the real
 * wx-server-sdk over HTTP. Not part of `npm test`.
 *
 *   npx tsx scripts/bench/store.ts [--docs 100000] [--seconds 1.5]
 *
 * Prints a table and writes bench/results/store.json.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEmulatorCore, sdkEnv } from '../emulator/core';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = arg('docs', 100_000);
const SECONDS = arg('seconds', 1.5);

interface Result {
  name: string;
  ops: number;
  seconds: number;
  opsPerSec: number;
  note?: string;
}

const results: Result[] = [];

function record(name: string, ops: number, ms: number, note?: string): Result {
  const r: Result = { name, ops, seconds: +(ms / 1000).toFixed(3), opsPerSec: Math.round(ops / (ms / 1000)), note };
  results.push(r);
  console.log(`${name.padEnd(52)} ${String(r.opsPerSec).padStart(9)} ops/s  (${ops} ops, ${r.seconds}s)${note ? '  ' + note : ''}`);
  return r;
}

/** Runs fn repeatedly for ~SECONDS (sync). */
function timedSync(name: string, fn: (i: number) => void, note?: string) {
  const t0 = performance.now();
  let i = 0;
  const until = t0 + SECONDS * 1000;
  while (performance.now() < until) {
    for (let k = 0; k < 50; k++) fn(i++);
  }
  return record(name, i, performance.now() - t0, note);
}

/** Runs fn for ~SECONDS with `concurrency` callers in flight. */
async function timedAsync(name: string, concurrency: number, fn: (i: number) => Promise<unknown>, note?: string) {
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await fn(i++);
    }),
  );
  return record(name, i, performance.now() - t0, note);
}

function makeDoc(i: number) {
  return {
    _id: `R${String(i).padStart(8, '0')}`,
    orderId: `O${i % 20000}`,
    buyerOpenid: `openid-${i % 5000}`,
    status: ['REQUESTED', 'APPROVED', 'REFUNDING', 'CLOSED'][i % 4],
    version: 0,
    deadline: new Date(1_700_000_000_000 + i * 1000),
    amounts: { items: 1000 + (i % 100), shipping: 800, total: 1800 + (i % 100) },
    lines: [{ lineId: `L${i}-1`, quantity: 1, amount: 1000 }],
    timeline: [{ at: new Date(1_700_000_000_000), event: 'APPLIED', by: 'buyer' }],
    createdAt: new Date(1_700_000_000_000 + i),
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  console.log(`emulator store benchmark: ${N} documents, ~${SECONDS}s per measurement, data in ${dataDir}`);
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}\n`);

  const emu = await createEmulatorCore({ port: 0, dataDir, functionsDir: dataDir, log: () => {} });
  const store = emu.store;
  const rand = (n: number) => Math.floor(Math.random() * n);
  const id = (i: number) => `R${String(i).padStart(8, '0')}`;

  // ---------- direct store ----------
  console.log('-- direct store (persistence on: one log line per write; compaction = full snapshot when the log outgrows it) --');
  store.createCollection('returns');
  {
    const t0 = performance.now();
    const BATCH = 1000;
    for (let i = 0; i < N; i += BATCH) {
      store.insert(
        'returns',
        Array.from({ length: Math.min(BATCH, N - i) }, (_v, k) => makeDoc(i + k)),
      );
    }
    record('insert (batches of 1000)', N, performance.now() - t0);
  }
  {
    const t0 = performance.now();
    const M = 20_000;
    store.createCollection('single');
    for (let i = 0; i < M; i++) store.insert('single', [makeDoc(i)]);
    record('insert (one document per call)', M, performance.now() - t0);
  }
  timedSync('read by _id', () => {
    store.find('returns', { _id: id(rand(N)) }, { limit: 1 });
  });
  timedSync('read by _id + field (where({_id, status}))', (i) => {
    store.find('returns', { _id: id(rand(N)), status: ['REQUESTED', 'APPROVED'][i % 2] }, { limit: 1 });
  });
  timedSync(
    'query, full scan, first 100 (status)',
    (i) => {
      store.find('returns', { status: 'APPROVED', 'amounts.total': { $gte: 1800 + (i % 50) } }, { limit: 100 });
    },
    `${N} docs, no secondary index`,
  );
  timedSync('query, full scan + sort + limit 20 (buyer list)', (i) => {
    store.find('returns', { buyerOpenid: `openid-${i % 5000}` }, { sort: { createdAt: -1 }, limit: 20 });
  });
  timedSync('count with a filter (full scan)', () => {
    store.count('returns', { status: 'CLOSED' });
  });
  // write windows start right after a compaction, so an automatic one (measured on its own below) does not land inside them
  emu.compact();
  timedSync('update by _id ($inc + $set + $push)', (i) => {
    store.update(
      'returns',
      { _id: id(rand(N)) },
      { $inc: { version: 1 }, $set: { status: 'APPROVED', updatedAt: new Date() }, $push: { timeline: { at: new Date(), event: `E${i}` } } },
    );
  });
  {
    emu.compact();
    // CAS: read version, then where({_id, version}).update
    timedSync('compare-and-set (read + where({_id,version}).update)', () => {
      const k = id(rand(N));
      const doc = store.getById('returns', k)!;
      store.update('returns', { _id: k, version: doc.version }, { $set: { version: doc.version + 1 } });
    });
  }
  {
    const t0 = performance.now();
    emu.compact();
    record('compaction: snapshot of everything (write+fsync+rename)', 1, performance.now() - t0, `${store.size('returns') + store.size('single')} docs`);
  }

  // ---------- through the real SDK ----------
  console.log('\n-- through the real wx-server-sdk (HTTP on 127.0.0.1, one connection per request) --');
  Object.assign(process.env, sdkEnv(emu), { SILENCE: 'true', WX_CONTEXT_KEYS: 'WX_OPENID', WX_OPENID: 'bench' });
  const require = createRequire(path.join(process.cwd(), 'package.json'));
  const cloud = require('wx-server-sdk');
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
  const db = cloud.database();
  const _ = db.command;
  const col = db.collection('returns');
  await col.doc(id(0)).get(); // warm up
  await timedAsync('sdk doc.get (1 caller)', 1, () => col.doc(id(rand(N))).get());
  await timedAsync('sdk doc.get (16 callers)', 16, () => col.doc(id(rand(N))).get());
  await timedAsync('sdk where({_id, status}).get (16 callers)', 16, () => col.where({ _id: id(rand(N)), status: 'APPROVED' }).get());
  await timedAsync('sdk where(status).limit(100).get (4 callers)', 4, () => col.where({ status: 'CLOSED' }).limit(100).get(), 'full scan');
  emu.compact();
  await timedAsync('sdk doc.update $inc (1 caller)', 1, () => col.doc(id(rand(N))).update({ data: { version: _.inc(1) } }));
  await timedAsync('sdk doc.update $inc (16 callers)', 16, () => col.doc(id(rand(N))).update({ data: { version: _.inc(1) } }));
  let addN = 0;
  await timedAsync('sdk collection.add (16 callers)', 16, () => db.collection('single').add({ data: { ...makeDoc(0), _id: `A${addN++}` } }));
  await timedAsync('sdk count with filter (4 callers)', 4, () => col.where({ status: 'REQUESTED' }).count(), 'full scan');

  // ---------- restart ----------
  await emu.close();
  {
    const t0 = performance.now();
    const again = await createEmulatorCore({ port: 0, dataDir, functionsDir: dataDir, log: () => {} });
    const ms = performance.now() - t0;
    record('restart: load snapshot + log (documents/s)', again.store.size('returns') + again.store.size('single'), ms, `${(ms / 1000).toFixed(2)}s to start`);
    await again.close();
  }
  const snapBytes = fs.statSync(path.join(dataDir, 'db', 'snapshot.jsonl')).size;

  const out = {
    at: new Date().toISOString(),
    documents: N,
    secondsPerMeasurement: SECONDS,
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`,
    snapshotBytes: snapBytes,
    results,
  };
  const resultsDir = path.join(process.cwd(), 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'store.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(out, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  console.log(`\nsnapshot size ${(snapBytes / 1e6).toFixed(1)} MB; results written to ${path.relative(process.cwd(), file)}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
