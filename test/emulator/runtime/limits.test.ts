/**
 * Cloud-function limits the emulator enforces by default, as the platform
 * does (docs/platform-limits.md, "Cloud functions and callFunction"): through
 * the HTTP route a mini-program call takes and through the real SDK's
 * cloud.callFunction.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHarness, type Harness } from './harness';
import { useSdk } from '../core/helpers';
import { MAX_EVENT_BYTES, MAX_NESTING_DEPTH, MAX_RESPONSE_BYTES } from '../../../scripts/emulator/limits';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function deepJson(levels: number): string {
  return '{"a":'.repeat(levels) + '{}' + '}'.repeat(levels);
}

async function rawCall(name: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.emu.url}/functions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

describe('event nesting', () => {
  test('a 5,000-deep event is refused cleanly (400, -501007) before the function runs; the emulator keeps serving', async () => {
    const before = (await h.get('/_local/stats')).json.invocations.length;
    const r = await rawCall('probe', deepJson(5000));
    expect(r.status).toBe(400);
    expect(r.json.errCode).toBe(-501007);
    expect(r.json.errMsg).toMatch(/nested deeper than 100 levels/);
    expect(r.text).not.toMatch(/Maximum call stack/);
    expect((await h.get('/_local/stats')).json.invocations.length).toBe(before); // nothing ran
    expect((await h.call('probe', { op: 'context' })).status).toBe(200);
  });

  test(`${MAX_NESTING_DEPTH} levels pass, ${MAX_NESTING_DEPTH + 1} do not (the injected userInfo is not counted deeper)`, async () => {
    // the event itself is level 1
    expect((await rawCall('probe', deepJson(MAX_NESTING_DEPTH - 1))).status).toBe(200);
    expect((await rawCall('probe', deepJson(MAX_NESTING_DEPTH))).status).toBe(400);
  });

  test('through the real SDK: cloud.callFunction with a deep event rejects with INVALID_PARAM', async () => {
    // biome-ignore lint/plugin/no-as-any: the harness's emulator type is a superset of what useSdk reads
    const { cloud } = useSdk(h.emu as any);
    let deep: any = {};
    for (let i = 0; i < 300; i++) deep = { a: deep };
    const err: any = await cloud.callFunction({ name: 'probe', data: deep }).catch((e: unknown) => e);
    expect(String(err?.errMsg ?? err?.message)).toMatch(/INVALID_PARAM|nested deeper/);
  });
});

describe('event and response size', () => {
  test(`an event over ${MAX_EVENT_BYTES / 1024} KB → 413 EXCEED_MAX_PAYLOAD_SIZE, not run; just under passes`, async () => {
    const over = await h.call('probe', { op: 'context', echo: 'x'.repeat(MAX_EVENT_BYTES) });
    expect(over.status).toBe(413);
    expect(over.json.errCode).toBe(-504001);
    expect(over.json.errMsg).toMatch(/^EXCEED_MAX_PAYLOAD_SIZE/);
    const under = await h.call('probe', { op: 'context', echo: 'x'.repeat(MAX_EVENT_BYTES - 1024) });
    expect(under.status).toBe(200);
  });

  test('through the real SDK: cloud.callFunction with a 200 KB event rejects with EXCEED_MAX_PAYLOAD_SIZE', async () => {
    // biome-ignore lint/plugin/no-as-any: the harness's emulator type is a superset of what useSdk reads
    const { cloud } = useSdk(h.emu as any);
    const err: any = await cloud.callFunction({ name: 'probe', data: { echo: 'y'.repeat(200 * 1024) } }).catch((e: unknown) => e);
    expect(String(err?.errMsg ?? err?.message)).toMatch(/EXCEED_MAX_PAYLOAD_SIZE/);
  });

  test('a return value over 6 MB fails the invocation with -504002', async () => {
    await h.emu.db.createCollection('bigDocs').catch(() => undefined);
    await h.emu.db.insert('bigDocs', [{ _id: 'big', blob: 'z'.repeat(MAX_RESPONSE_BYTES + 1024) }]);
    const r = await h.call('probe', { op: 'db', steps: [{ kind: 'get', collection: 'bigDocs', id: 'big' }] });
    expect(r.status).toBe(500);
    expect(r.json.errCode).toBe(-504002);
    expect(r.json.errMsg).toMatch(/at most 6291456 bytes/);
  });
});

describe('SOURCE values', () => {
  test('documented values and chains pass; anything else is refused before running', async () => {
    for (const source of ['wx_client', 'wx_devtools', 'wx_http', 'wx_trigger', 'wx_paycallback', 'scf', 'wx_client,scf', 'wx_trigger,scf,scf']) {
      const r = await h.call('probe', { op: 'context' }, { 'x-wx-source': source });
      expect([source, r.status, r.json.ctx?.SOURCE]).toEqual([source, 200, source]);
    }
    for (const source of ['client', 'wx_clients', 'WX_CLIENT', 'wx_client,', 'admin']) {
      const r = await h.call('probe', { op: 'context' }, { 'x-wx-source': source });
      expect([source, r.status, r.json.errCode]).toEqual([source, 400, -501007]);
    }
  });
});

describe('timeout', () => {
  test('no config.json timeout → the platform default of 3 s; a config above 60 s is capped at 60 s', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'emu-timeouts-'));
    const built = path.join(__dirname, '../../../build/test-functions/slow');
    for (const [name, config] of [
      ['slowDefault', undefined],
      ['slow120', { timeout: 120 }],
    ] as const) {
      mkdirSync(path.join(dir, name));
      copyFileSync(path.join(built, 'index.js'), path.join(dir, name, 'index.js'));
      if (config) writeFileSync(path.join(dir, name, 'config.json'), JSON.stringify(config));
    }
    const t = await startHarness({ functionsDir: dir });
    try {
      const started = Date.now();
      const r = await t.call('slowDefault', { ms: 3500 });
      expect(r.json.errCode).toBe(-504003);
      expect(Date.now() - started).toBeLessThan(3400);
      expect((await t.call('slow120', { ms: 10 })).status).toBe(200);
      // biome-ignore lint/plugin/no-as-any: reads the pool's private worker map to check each worker's timeout
      const workers = [...((t.functions.pool as any).workers as Map<string, { fn: string; timeoutMs: number }>).values()];
      expect(workers.find((w) => w.fn === 'slow120')?.timeoutMs).toBe(60_000);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no machine paths', () => {
  test('the 404 of a function that is not built names the function only', async () => {
    const r = await h.call('notBuilt', {});
    expect(r.status).toBe(404);
    expect(r.json.errMsg).toBe('function not found: notBuilt (not built: run npm run build)');
    expect(JSON.stringify(r.json)).not.toContain(h.emu.functionsDir);
    expect(JSON.stringify(r.json)).not.toContain(process.cwd());
  });

  test('a bundle failing at load: the message carries no absolute folder', async () => {
    const r = await h.call('broken', {});
    expect(r.status).toBe(500);
    const text = JSON.stringify(r.json);
    expect(text).not.toContain(h.emu.functionsDir);
    expect(text).not.toContain(process.cwd());
  });
});
