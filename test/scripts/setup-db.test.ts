/**
 * scripts/setup-db.ts against an empty emulator, as a shop developer runs it
 * (`npx tsx scripts/setup-db.ts --emulator URL`): every collection the
 * functions use is created through @cloudbase/node-sdk and every index of
 * INDEXES declared; a second run changes nothing and says so. Without
 * credentials and without --emulator it refuses in Chinese and exits 2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createEmulator, type LocalEmulator } from '../../scripts/emulator';
import { C, INDEXES } from '../../cloudfunctions/core/data/collections';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
let emu: LocalEmulator;
let dataDir: string;

function setupDb(args: string[], env: Record<string, string | undefined> = {}) {
  const clean = { ...process.env, TCB_ENV: '', TENCENTCLOUD_SECRETID: '', TENCENTCLOUD_SECRETKEY: '', ...env };
  return run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/setup-db.ts'), ...args], { cwd: ROOT, env: clean as NodeJS.ProcessEnv }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'setup-db-'));
  emu = await createEmulator({ port: 0, dataDir, functionsDir: path.join(ROOT, 'build', 'cloudfunctions'), reset: true, persist: false });
});

afterAll(async () => {
  await emu?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('scripts/setup-db.ts', () => {
  it('before it runs, a function says what to do instead of 系统繁忙', async () => {
    const res = await fetch(`${emu.url}/functions/queryReturns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-wx-openid': 'o_demo_buyer' },
      body: JSON.stringify({ action: 'list', scope: 'mine' }),
    });
    const body = await res.json();
    expect(body).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: '数据库集合尚未创建，请管理员先运行 npm run setup-db', details: { cause: 'DATABASE_COLLECTION_NOT_EXIST' } },
    });
  }, 60_000);

  it('creates every collection and declares every index on an empty emulator; a second run finds them all', async () => {
    expect(await emu.db.collections()).toEqual([]);
    const first = await setupDb(['--emulator', emu.url]);
    expect(first.code).toBe(0);
    expect(first.out).toContain('indexes declared on the emulator: ok');
    expect((await emu.db.collections()).sort()).toEqual(Object.values(C).sort());
    for (const [coll, list] of Object.entries(INDEXES)) {
      const have = emu.store.indexes(coll).map((ix) => ix.fields.join(','));
      for (const ix of list) expect(have).toContain(Object.keys(ix.keys).join(','));
    }
    expect(emu.store.indexes('returns').map((ix) => ix.fields.join(','))).toEqual(
      expect.arrayContaining(['status,deadline', 'buyerOpenid,createdAt', 'buyerOpenid,applyKey', 'orderId']),
    );

    const again = await setupDb(['--emulator', emu.url]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('collections created: —');
  }, 60_000);

  it('no credentials and no --emulator → a Chinese message, exit 2, nothing created', async () => {
    const before = (await emu.db.collections()).length;
    const res = await setupDb([]);
    expect(res.code).toBe(2);
    expect(res.out).toContain('缺少 TCB_ENV');
    expect((await emu.db.collections()).length).toBe(before);
  }, 60_000);
});
