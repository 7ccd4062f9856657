/**
 * Emulator durability: the clock offset and the pay sandbox survive a restart
 * and a kill -9 exactly as the database does (docs/platform-limits.md,
 * "Emulator durability and hygiene").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startCore, tmpDir } from './helpers';
import { startHarness, FIXTURES_OUT, ensureFixturesBuilt } from '../runtime/harness';
import { invoke } from '../../../scripts/emulator/functions';

jest.setTimeout(90_000);

const DAY = 24 * 3600e3;

function spawnChild(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const script = path.join(__dirname, 'fixtures', 'child-emulator.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, FIXTURES_OUT], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /READY (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`child emulator exited (${code}) before READY: ${err}`)));
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function post(url: string, route: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url + route, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

beforeAll(() => ensureFixturesBuilt());

describe('clock offset', () => {
  test('close + re-create keeps the offset; reset starts at real time again', async () => {
    const dataDir = tmpDir();
    const a = await startCore({ dataDir });
    await post(a.url, '/_local/clock', { advanceMs: 3 * DAY });
    await a.close();
    const b = await startCore({ dataDir });
    expect(Math.abs(b.clock.offset() - 3 * DAY)).toBeLessThan(1000);
    expect(b.clock.now() - Date.now()).toBeGreaterThan(3 * DAY - 1000);
    await b.close();
    const c = await startCore({ dataDir, reset: true });
    expect(c.clock.offset()).toBe(0);
    await c.close();
  });

  test('kill -9 right after a clock move: the restarted emulator is still days ahead (stored deadlines stay in the past)', async () => {
    const dataDir = tmpDir();
    const { child, url } = await spawnChild(dataDir);
    try {
      await post(url, '/_local/seed', { returns: [{ _id: 'R1', deadline: { $date: new Date(Date.now() + 2 * DAY).toISOString() } }] });
      const moved = await post(url, '/_local/clock', { advanceMs: 5 * DAY });
      expect(moved.json.offsetMs).toBeGreaterThanOrEqual(5 * DAY);
    } finally {
      await kill9(child);
    }
    const again = await startCore({ dataDir });
    try {
      expect(Math.abs(again.clock.offset() - 5 * DAY)).toBeLessThan(1000);
      const [doc] = await again.db.find('returns', { _id: 'R1' });
      expect(new Date(doc.deadline).getTime()).toBeLessThan(again.clock.now());
    } finally {
      await again.close();
    }
  });
});

describe('pay sandbox', () => {
  test('kill -9 right after an accepted refund: the restarted sandbox knows it (same refundId for the same number)', async () => {
    const dataDir = tmpDir();
    const outTradeNo = `TK${Date.now()}`;
    const data = {
      functionName: 'payCallback',
      envId: 'local-env',
      sub_mch_id: '1900000109',
      nonce_str: 'nk',
      out_trade_no: outTradeNo,
      out_refund_no: 'RFKILL1',
      total_fee: 900,
      refund_fee: 900,
      refund_desc: '退货退款',
    };
    const { child, url } = await spawnChild(dataDir);
    let accepted: any;
    try {
      await post(url, '/_local/pay', { payments: [{ outTradeNo, amount: 900 }] });
      const r = await post(url, '/functions/payer', { api: 'refund', data }, { 'x-wx-source': 'wx_client,scf' });
      accepted = r.json.result;
      expect(accepted).toMatchObject({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', outRefundNo: 'RFKILL1' });
      // appended before the answer left the emulator: already in the log while the process is still alive
      const dir = path.join(dataDir, 'pay');
      const logged = fs
        .readdirSync(dir)
        .filter((f) => /^log-\d+\.jsonl$/.test(f))
        .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
        .join('');
      expect(logged).toContain('"RFKILL1"');
    } finally {
      await kill9(child); // no close, no compaction: only what was appended before the answer
    }
    expect(fs.readdirSync(path.join(dataDir, 'pay')).some((f) => /^log-\d+\.jsonl$/.test(f))).toBe(true);

    const h = await startHarness({ dataDir, persist: true, pay: { tickMs: 3600e3 } });
    try {
      const q: any = await invoke(h.emu, 'payer', { api: 'queryRefund', data: { out_refund_no: 'RFKILL1' } });
      expect(q.result).toMatchObject({ resultCode: 'SUCCESS', outRefundNo_0: 'RFKILL1', refundFee_0: 900, refundId_0: accepted.refundId });
      const same: any = await invoke(h.emu, 'payer', { api: 'refund', data });
      expect(same.result.refundId).toBe(accepted.refundId);
      // the payment is fully refunded: a new number for it is refused, as it was before the kill
      await h.post('/_local/clock', { advanceMs: 120_000 });
      const more: any = await invoke(h.emu, 'payer', { api: 'refund', data: { ...data, out_refund_no: 'RFKILL2', refund_fee: 1 } });
      expect(more.result.resultCode).toBe('FAIL');
    } finally {
      await h.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a torn last line in the pay log is ignored', async () => {
    const dataDir = tmpDir();
    const h1 = await startHarness({ dataDir, persist: true, pay: { tickMs: 3600e3 } });
    await h1.post('/_local/pay', { payments: [{ outTradeNo: 'TT1', amount: 100 }] });
    await h1.close();
    const dir = path.join(dataDir, 'pay');
    const log = fs.readdirSync(dir).find((f) => /^log-\d+\.jsonl$/.test(f))!;
    fs.appendFileSync(path.join(dir, log), '[["payment","TT2",{"outTradeNo":"TT2","amo');
    const h2 = await startHarness({ dataDir, persist: true, pay: { tickMs: 3600e3 } });
    try {
      const state = (await h2.get('/_local/pay')).json;
      expect(state.payments.map((p: any) => p.outTradeNo)).toEqual(['TT1']);
    } finally {
      await h2.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
