/**
 * Conformance of the functions runner: the real wx-server-sdk inside real
 * worker processes, reached over the HTTP route and the programmatic API.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHarness, type Harness } from './harness';
import { invoke, invokeDetailed, FunctionInvokeError } from '../../../scripts/emulator/functions';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ functions: { perFunction: 3, globalCap: 6 } });
});

afterAll(async () => {
  await h?.close();
});

describe('identity and context', () => {
  test('client call: OPENID, APPID, SOURCE from getWXContext; userInfo injected into the event', async () => {
    const r = await h.call('probe', { op: 'context', echo: 'x' }, { 'x-wx-openid': 'oBuyer1' });
    expect(r.status).toBe(200);
    expect(r.json.ctx).toMatchObject({ OPENID: 'oBuyer1', APPID: h.functions.appid, SOURCE: 'wx_client' });
    expect(typeof r.json.ctx.ENV).toBe('string');
    expect(r.json.userInfo).toEqual({ appId: h.functions.appid, openId: 'oBuyer1' });
    expect(r.json.echo).toBe('x');
    expect(r.json.env.TZ).toBe('UTC');
  });

  test("config.json envVariables are the function's environment variables, as strings (as the deploy sets them)", async () => {
    const r = await h.call('probe', { op: 'context' }, { 'x-wx-openid': 'oBuyer1' });
    expect(r.json.env).toMatchObject({ PROBE_SETTING: 'from-config', PROBE_NUMBER: '7' });
  });

  test('x-wx-source is passed as SOURCE; no OPENID when none is given; no userInfo for non-client sources', async () => {
    const r = await h.call('probe', { op: 'context' }, { 'x-wx-source': 'wx_trigger' });
    expect(r.status).toBe(200);
    expect(r.json.ctx.SOURCE).toBe('wx_trigger');
    expect(r.json.ctx.OPENID).toBeUndefined();
    expect(r.json.userInfo).toBeNull();
  });

  test('identity never leaks from one invocation to the next on a warm worker', async () => {
    const a = await invoke(h.emu, 'probe', { op: 'context' }, { openid: 'oFirst', unionid: 'uFirst' });
    const b: any = await invoke(h.emu, 'probe', { op: 'context' }, { source: 'wx_paycallback' });
    expect((a as { ctx: Record<string, unknown> }).ctx.UNIONID).toBe('uFirst');
    expect(b.ctx.OPENID).toBeUndefined();
    expect(b.ctx.UNIONID).toBeUndefined();
    expect(b.ctx.SOURCE).toBe('wx_paycallback');
  });

  test('20 concurrent invocations of different users on a pool of 3: each sees its own identity', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `oUser${i}`);
    const results = await Promise.all(users.map((u) => h.call('probe', { op: 'context', delayMs: 30, echo: u }, { 'x-wx-openid': u })));
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe(200);
      expect(r.json.ctx.OPENID).toBe(users[i]);
      expect(r.json.userInfo.openId).toBe(users[i]);
      expect(r.json.echo).toBe(users[i]);
    }
    const pids = new Set(results.map((r) => r.json.pid));
    expect(pids.size).toBeGreaterThan(0);
    expect(pids.size).toBeLessThanOrEqual(3);
    expect(h.functions.pool.workersInfo().filter((w) => w.function === 'probe').length).toBeLessThanOrEqual(3);
  });
});

describe('workers', () => {
  test('warm reuse keeps the process; cold start after a crash gets a new one', async () => {
    const first = await invokeDetailed(h.emu, 'payCallback', { outRefundNo: 'X' }, { source: 'wx_paycallback' });
    const second = await invokeDetailed(h.emu, 'payCallback', { outRefundNo: 'Y' }, { source: 'wx_paycallback' });
    expect(first.ok && second.ok).toBe(true);
    expect(second.pid).toBe(first.pid);
    expect(second.cold).toBe(false);

    const crash = await invokeDetailed(h.emu, 'probe', { op: 'crash' }, {});
    expect(crash.ok).toBe(false);
    expect(crash.error?.errMsg).toMatch(/exited|crash/);
    const after = await invokeDetailed(h.emu, 'probe', { op: 'context' }, {});
    expect(after.ok).toBe(true);
    expect(after.pid).not.toBe(crash.pid);
  });

  test('a function over its timeout is killed and reported; the next call cold-starts', async () => {
    const r = await h.call('slow', { ms: 10_000 });
    expect(r.status).toBe(500);
    expect(r.json.errCode).toBe(-504003);
    expect(r.json.errMsg).toMatch(/timed out after 1 seconds/);
    const rec = h.emu.stats.list().find((x) => x.id === r.json.requestId);
    expect(rec?.outcome).toBe('timeout');
    const ok = await invokeDetailed(h.emu, 'slow', { ms: 10 }, {});
    expect(ok.ok).toBe(true);
    expect(ok.cold).toBe(true);
  });

  test('a rebuilt bundle retires the warm workers of the older one; a rebuild to the same bytes does not', async () => {
    // a copy of the fixture of this test's own: its bundle is rewritten below, which no other test may see
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rebuild-functions-'));
    cpSync(path.join(h.emu.functionsDir, 'slow'), path.join(dir, 'slow'), { recursive: true });
    const own = await startHarness({ functionsDir: dir, functions: { perFunction: 3, globalCap: 6 } });
    try {
      const bundle = path.join(dir, 'slow', 'index.js');
      const rewrite = (text: string) => {
        writeFileSync(`${bundle}.next`, text);
        renameSync(`${bundle}.next`, bundle);
        const later = new Date(statSync(bundle).mtimeMs + 5_000);
        utimesSync(bundle, later, later);
      };
      const a = await invokeDetailed(own.emu, 'slow', { ms: 1 }, {});
      const b = await invokeDetailed(own.emu, 'slow', { ms: 1 }, {});
      expect(b.pid).toBe(a.pid);
      // the build writes every bundle again: the same bytes, a new file and mtime — the same bundle, the warm worker stays
      rewrite(readFileSync(bundle, 'utf8'));
      const same = await invokeDetailed(own.emu, 'slow', { ms: 1 }, {});
      expect(same).toMatchObject({ cold: false, pid: a.pid });
      // another bundle: the warm worker of the older one is retired, the next call starts cold
      rewrite(`${readFileSync(bundle, 'utf8')}\n// rebuilt\n`);
      const c = await invokeDetailed(own.emu, 'slow', { ms: 1 }, {});
      expect(c.cold).toBe(true);
      expect(c.pid).not.toBe(a.pid);
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a thrown error is a 500 with errCode -504002 and the message', async () => {
    const r = await h.call('probe', { op: 'throw', msg: 'kaputt' });
    expect(r.status).toBe(500);
    expect(r.json).toMatchObject({ errCode: -504002 });
    expect(r.json.errMsg).toContain('kaputt');
    await expect(invoke(h.emu, 'probe', { op: 'throw', msg: 'again' })).rejects.toBeInstanceOf(FunctionInvokeError);
  });

  test('unknown function → 404 JSON; a bundle failing at load → 500', async () => {
    const r = await h.call('nope', {});
    expect(r.status).toBe(404);
    expect(r.json.errCode).toBe(-504001);
    const b = await h.call('broken', {});
    expect(b.status).toBe(500);
    expect(b.json.errMsg).toMatch(/failed to load: broken at load/);
  });

  test('an unhandled rejection fails the invocation loudly', async () => {
    const r = await invokeDetailed(h.emu, 'probe', { op: 'unhandled' }, {});
    expect(r.ok).toBe(false);
    expect(r.error?.errMsg).toMatch(/unhandled promise rejection: forgotten rejection/);
  });

  test('stdout/stderr are captured per invocation and kept in the stats record', async () => {
    const out = await invokeDetailed(h.emu, 'probe', { op: 'log', msg: 'captured' }, { openid: 'oLog' });
    expect(out.logs).toContain(JSON.stringify({ level: 'info', msg: 'captured' }));
    expect(out.logs).toContain('[stderr] warned');
    const rec: any = h.emu.stats.list().find((x) => x.id === out.id);
    expect(rec.logs).toEqual(out.logs);
    expect(rec).toMatchObject({ function: 'probe', openid: 'oLog', source: 'wx_client', outcome: 'ok' });
    const viaRoute = await h.get(`/_local/logs?id=${out.id}`);
    expect(viaRoute.json.data[0].logs).toEqual(out.logs);
  });
});

describe('cloud.callFunction between functions', () => {
  test('callee sees SOURCE chained wx_client,scf and the caller identity', async () => {
    const r = await h.call('probe', { op: 'call', name: 'probe', data: { op: 'context', echo: 'inner' } }, { 'x-wx-openid': 'oChain' });
    expect(r.status).toBe(200);
    expect(r.json.self.SOURCE).toBe('wx_client');
    expect(r.json.result.ctx).toMatchObject({ SOURCE: 'wx_client,scf', OPENID: 'oChain' });
    expect(r.json.result.echo).toBe('inner');
    expect(r.json.result.userInfo).toBeNull();
  });

  test('a trigger-started chain: wx_trigger,scf; callee errors surface as the SDK reports them', async () => {
    const r: any = await invoke(h.emu, 'probe', { op: 'call', name: 'probe', data: { op: 'throw', msg: 'inner boom' } }, { source: 'wx_trigger' });
    // node-sdk turns the gateway's { code, message } into a thrown Error: wx-server-sdk reports errCode -1.
    expect(r.error).toMatchObject({ errCode: -1, code: 'FUNCTIONS_EXECUTE_FAIL' });
    expect(r.error.errMsg).toMatch(/^callFunction:fail errCode: -504002 functions execute fail \| errMsg: .*inner boom/);
    const c: any = await invoke(h.emu, 'probe', { op: 'call', name: 'probe', data: { op: 'context' } }, { source: 'wx_trigger' });
    expect(c.result.ctx.SOURCE).toBe('wx_trigger,scf');
    const missing: any = await invoke(h.emu, 'probe', { op: 'call', name: 'doesNotExist', data: {} }, {});
    expect(missing.error).toMatchObject({ errCode: -1, code: 'FUNCTIONS_REQUEST_FAIL' });
    expect(missing.error.errMsg).toContain('function not found: doesNotExist');
  });
});

describe('network guard', () => {
  test('https to a public address fails the invocation even when the function catches the error', async () => {
    const r = await h.call('probe', { op: 'https', target: 'https://203.0.113.1/' });
    expect(r.status).toBe(500);
    expect(r.json.errMsg).toMatch(/network guard/);
    expect(r.json.errMsg).toContain('203.0.113.1');
    const rec = h.emu.stats.list().find((x) => x.id === r.json.requestId);
    expect(rec?.outcome).toBe('network-guard');
  });

  test('a hostname is refused before any DNS query; raw TCP too', async () => {
    const a = await invokeDetailed(h.emu, 'probe', { op: 'https', target: 'https://api.mch.weixin.qq.com/secapi/pay/refund' }, {});
    expect(a.ok).toBe(false);
    expect(a.outcome).toBe('network-guard');
    expect(a.error?.errMsg).toContain('api.mch.weixin.qq.com');
    const d = await invokeDetailed(h.emu, 'probe', { op: 'dns', host: 'example.com' }, {});
    expect(d.outcome).toBe('network-guard');
    expect(d.error?.errMsg).toContain('example.com');
    const t = await invokeDetailed(h.emu, 'probe', { op: 'tcp', host: '198.51.100.7', port: 25 }, {});
    expect(t.outcome).toBe('network-guard');
    expect(t.error?.errMsg).toContain('198.51.100.7:25');
  });

  test('global fetch (undici) is guarded too', async () => {
    const f = await invokeDetailed(h.emu, 'probe', { op: 'fetch', target: 'https://203.0.113.9/pay' }, {});
    expect(f.outcome).toBe('network-guard');
    expect(f.error?.errMsg).toContain('203.0.113.9');
  });

  test('loopback stays reachable', async () => {
    const r: any = await invoke(h.emu, 'probe', { op: 'http-loopback', url: `${h.emu.url}/_local/outbox` });
    expect(r.status).toBe('ok');
  });
});

describe('virtual clock', () => {
  test('Date.now(), new Date() and Date() in the function follow the emulator clock', async () => {
    const before: any = await invoke(h.emu, 'probe', { op: 'context' });
    const day = 24 * 3600e3;
    await h.post('/_local/clock', { advanceMs: 3 * day });
    const after: any = await invoke(h.emu, 'probe', { op: 'context' });
    expect(after.now - before.now).toBeGreaterThanOrEqual(3 * day);
    expect(after.now - before.now).toBeLessThan(3 * day + 60_000);
    expect(new Date(after.iso).getTime() - after.now).toBeLessThan(1000);
    expect(Math.abs(new Date(after.dateString).getTime() - after.now)).toBeLessThan(2000);
    expect(Math.abs(after.now - h.emu.clock.now())).toBeLessThan(60_000);
  });
});

describe('database through the core, per invocation', () => {
  test('every database request on the worker path counts towards the running invocation', async () => {
    await h.emu.db.insert('benchDocs', [{ _id: 'd1', version: 0 }]);
    const out = await invokeDetailed(h.emu, 'probe', { op: 'readCas', id: 'd1' }, { openid: 'oDb' });
    expect(out.value).toEqual({ updated: 1, version: 1 });
    const rec = h.emu.stats.list().find((x) => x.id === out.id)!;
    expect(rec).toMatchObject({ function: 'probe', openid: 'oDb', dbRequests: 2, dbByAction: { 'database.getDocument': 1, 'database.modifyDocument': 1 } });
  });

  test('compare-and-set races between workers: every success is one version step', async () => {
    await h.emu.db.insert('benchDocs', [{ _id: 'race', version: 0 }]);
    const outs = await Promise.all(Array.from({ length: 12 }, () => invoke(h.emu, 'probe', { op: 'readCas', id: 'race' }) as Promise<any>));
    const wins = outs.filter((o) => o.updated === 1).length;
    expect(wins).toBeGreaterThanOrEqual(1);
    const [doc] = await h.emu.db.find('benchDocs', { _id: 'race' });
    expect(doc.version).toBe(wins);
  });

  test('stopping idle workers makes the next call a cold start', async () => {
    const warm = await invokeDetailed(h.emu, 'probe', { op: 'context' }, {});
    await h.functions.pool.stopIdle('probe');
    const cold = await invokeDetailed(h.emu, 'probe', { op: 'context' }, {});
    expect(cold.cold).toBe(true);
    expect(cold.pid).not.toBe(warm.pid);
  });
});
