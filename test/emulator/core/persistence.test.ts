/**
 * Persistence: data survives close/re-create and SIGKILL; a torn last line is
 * ignored; reset starts empty; one emulator per data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sdkEnv } from '../../../scripts/emulator/core';
import { REPO_ROOT, sdkError, startCore, tmpDir, useSdk } from './helpers';

jest.setTimeout(60_000);

function spawnChildCore(dataDir: string, compactBytes?: number): Promise<{ child: ChildProcess; url: string }> {
  const script = path.join(__dirname, 'fixtures', 'child-core.ts');
  const args = ['--import', 'tsx', script, dataDir];
  if (compactBytes) args.push(String(compactBytes));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /READY (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`child core exited (${code}) before READY: ${err}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('everything persists across close + re-create (db, transactions, indexes, storage)', async () => {
  const dataDir = tmpDir();
  const emu = await startCore({ dataDir });
  const { db, cloud } = useSdk(emu);
  const _ = db.command;
  await db.createCollection('orders');
  await db.createCollection('empty');
  await db.collection('orders').add({ data: { _id: 'o1', n: 1, at: new Date('2024-05-01T00:00:00Z'), lines: [{ q: 1 }] } });
  await db.collection('orders').add({ data: { _id: 'o2', n: 2 } });
  await db.collection('orders').add({ data: { _id: 'o3', n: 3 } });
  await db
    .collection('orders')
    .doc('o1')
    .update({ data: { n: _.inc(10), lines: _.push({ q: 2 }) } });
  await db
    .collection('orders')
    .doc('o2')
    .set({ data: { replaced: true } });
  await db.collection('orders').doc('o3').remove();
  await db.runTransaction(async (t: any) => {
    await t.collection('orders').add({ data: { _id: 'tx1', via: 'txn' } });
  });
  await emu.db.ensureIndex('orders', ['code'], { unique: true });
  await emu.db.insert('orders', [{ _id: 'c1', code: 'A' }]);
  const up = await cloud.uploadFile({ cloudPath: 'evidence/u/a.png', fileContent: Buffer.from('png-bytes') });
  await emu.close();

  const again = await startCore({ dataDir });
  try {
    expect(again.loadReport!.snapshotOps).toBeGreaterThan(0);
    expect(await again.db.collections()).toEqual(['empty', 'orders']);
    const docs = Object.fromEntries((await again.db.find('orders')).map((d) => [d._id, d]));
    expect(docs.o1).toEqual({ _id: 'o1', n: 11, at: new Date('2024-05-01T00:00:00Z'), lines: [{ q: 1 }, { q: 2 }] });
    expect(docs.o1.at).toBeInstanceOf(Date);
    expect(docs.o2).toEqual({ _id: 'o2', replaced: true });
    expect(docs.o3).toBeUndefined();
    expect(docs.tx1).toEqual({ _id: 'tx1', via: 'txn' });
    await expect(again.db.insert('orders', [{ _id: 'c2', code: 'A' }])).rejects.toThrow(/E11000/);
    const file = await again.storage.read(up.fileID);
    expect(file!.content.toString()).toBe('png-bytes');
    expect(file!.info.contentType).toBe('image/png');
    // the SDK sees the same data after the restart
    const { db: db2 } = useSdk(again);
    expect((await db2.collection('orders').doc('o1').get()).data.n).toBe(11);
  } finally {
    await again.close();
  }
});

test('reset: true starts empty; persist: false writes nothing', async () => {
  const dataDir = tmpDir();
  const a = await startCore({ dataDir });
  await a.db.insert('things', [{ _id: 1 }]);
  await a.storage.put('f.txt', Buffer.from('x'));
  await a.close();

  const b = await startCore({ dataDir, reset: true });
  expect(await b.db.collections()).toEqual([]);
  expect(await b.storage.list()).toEqual([]);
  await b.close();

  const memDir = tmpDir();
  const c = await startCore({ dataDir: memDir, persist: false });
  await c.db.insert('things', [{ _id: 1 }]);
  await c.storage.put('f.txt', Buffer.from('x'));
  await c.close();
  expect(fs.readdirSync(memDir)).toEqual([]);
});

test('a torn last line in the log (process killed mid-write) is ignored', async () => {
  const dataDir = tmpDir();
  const emu = await startCore({ dataDir });
  await emu.db.insert('c', [{ _id: 'a', v: 1 }]);
  await emu.db.insert('c', [{ _id: 'b', v: 2 }]);
  await emu.db.update('c', { _id: 'a' }, { $set: { v: 3 } });
  // copy the folder as it is now, as if the process had died (no close, no compaction)
  const crashed = tmpDir();
  fs.cpSync(dataDir, crashed, { recursive: true });
  await emu.close();
  const logFile = fs.readdirSync(path.join(crashed, 'db')).find((f) => /^log-\d+\.jsonl$/.test(f))!;
  const logPath = path.join(crashed, 'db', logFile);
  const lines = fs.readFileSync(logPath, 'utf8').split('\n').filter(Boolean);
  expect(lines.length).toBe(4); // create collection, 2 inserts, 1 update
  // half of a line that would have inserted 'c'
  fs.appendFileSync(logPath, '[["put","c",{"_id":"c","v":');

  const restarted = await startCore({ dataDir: crashed });
  try {
    expect(restarted.loadReport).toMatchObject({ tornTail: true, logLines: 4 });
    const docs = await restarted.db.find('c');
    expect(docs).toEqual([
      { _id: 'a', v: 3 },
      { _id: 'b', v: 2 },
    ]);
    // and it keeps working: new writes persist after the torn line was dropped
    await restarted.db.insert('c', [{ _id: 'c', v: 4 }]);
  } finally {
    await restarted.close();
  }
  const third = await startCore({ dataDir: crashed });
  expect((await third.db.find('c')).map((d) => d._id)).toEqual(['a', 'b', 'c']);
  await third.close();
});

test('SIGKILL while writing: after restart every acknowledged write is there, nothing half-written', async () => {
  const dataDir = tmpDir();
  // tiny compaction threshold: snapshots are rewritten all the time while we write
  const { child, url } = await spawnChildCore(dataDir, 4096);
  let killed = false;
  try {
    // a second emulator on the same folder is refused while the first runs
    await expect(startCore({ dataDir })).rejects.toThrow(/in use by process/);

    // biome-ignore lint/plugin/no-as-any: useSdk takes a running emulator; only url and envId are read
    const { db } = useSdk({ url, envId: 'local-env' } as any);
    const _ = db.command;
    await db.createCollection('k');
    const pad = 'x'.repeat(300);
    for (let i = 0; i < 30; i++) {
      await db.collection('k').add({ data: { _id: `k${i}`, i, grp: 'g', pad, at: new Date(1700000000000 + i) } });
    }
    await db.collection('k').add({ data: { _id: 'counter', n: 0 } });
    for (let i = 0; i < 5; i++) {
      const r = await db
        .collection('k')
        .where({ _id: 'counter', n: i })
        .update({ data: { n: _.inc(1) } });
      expect(r.stats.updated).toBe(1);
    }
    const multi = await db
      .collection('k')
      .where({ grp: 'g' })
      .update({ data: { mark: 1 } });
    expect(multi.stats.updated).toBe(30);

    // a burst of writes; kill the process once some of them are acknowledged
    const acked: number[] = [];
    const burst = Array.from({ length: 200 }, (_v, j) =>
      db
        .collection('k')
        .add({ data: { _id: `b${j}`, j, pad, at: new Date(1800000000000 + j) } })
        .then(() => {
          acked.push(j);
          if (acked.length === 20 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        })
        .catch(() => undefined),
    );
    await Promise.all(burst);
    await killAndWait(child);
    expect(killed).toBe(true);

    const emu = await startCore({ dataDir });
    try {
      const docs = await emu.db.find('k');
      const byId = new Map(docs.map((d) => [d._id, d]));
      for (let i = 0; i < 30; i++) {
        expect(byId.get(`k${i}`)).toEqual({ _id: `k${i}`, i, grp: 'g', pad, at: new Date(1700000000000 + i), mark: 1 });
      }
      expect(byId.get('counter')).toEqual({ _id: 'counter', n: 5 });
      for (const j of acked) expect(byId.has(`b${j}`)).toBe(true);
      for (const d of docs.filter((x) => String(x._id).startsWith('b'))) {
        expect(d).toEqual({ _id: `b${d.j}`, j: d.j, pad, at: new Date(1800000000000 + d.j) });
      }
      expect(docs.length).toBeGreaterThanOrEqual(31 + acked.length);
    } finally {
      await emu.close();
    }
  } finally {
    await killAndWait(child);
    // biome-ignore lint/plugin/no-as-any: sdkEnv takes a running emulator; only url and envId are read, so a port nothing listens on stands in
    Object.assign(process.env, sdkEnv({ url: 'http://127.0.0.1:9', envId: 'local-env' } as any));
  }
});

test('writes through a restarted emulator keep their _id uniqueness (no resurrection of deleted ids)', async () => {
  const dataDir = tmpDir();
  const a = await startCore({ dataDir });
  const { db } = useSdk(a);
  await db.createCollection('u');
  await db.collection('u').add({ data: { _id: 'x', v: 1 } });
  await db.collection('u').doc('x').remove();
  await db.collection('u').add({ data: { _id: 'y', v: 1 } });
  await a.close();
  const b = await startCore({ dataDir });
  const { db: db2 } = useSdk(b);
  expect((await db2.collection('u').get()).data).toEqual([{ _id: 'y', v: 1 }]);
  const err = await sdkError(db2.collection('u').add({ data: { _id: 'y' } }));
  expect(err.errCode).toBe(-502001);
  await b.close();
});
