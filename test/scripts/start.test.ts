/**
 * `npm start` as a newcomer meets it (scripts/emulator/cli.ts, after the build
 * npm test already ran): the emulator comes up seeded with the demo shop and
 * prints ready-to-run curl commands; run as printed (replayed here with fetch,
 * `<returnId>` filled from the apply answer), they walk a refund-only return to
 * 退款成功; Ctrl-C stops it cleanly. Nothing here reaches outside 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface Curl {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The curl commands of the banner: `curl -s [-X M] URL [-H 'k: v']... [\ newline -d 'json']`, several per line split on `;`. */
function parseCurls(banner: string): Curl[] {
  const joined = banner.replace(/\\\n\s*/g, ' ');
  const out: Curl[] = [];
  for (const line of joined.split('\n')) {
    for (const part of line.split(';')) {
      const cmd = part.trim();
      if (!cmd.startsWith('curl ')) continue;
      const url = /(https?:\/\/\S+)/.exec(cmd)![1];
      const method = /-X (\w+)/.exec(cmd)?.[1] ?? (cmd.includes(" -d '") ? 'POST' : 'GET');
      const headers: Record<string, string> = {};
      for (const m of cmd.matchAll(/-H '([^:]+):\s*([^']*)'/g)) headers[m[1]] = m[2];
      const body = /-d '([^']*)'/.exec(cmd)?.[1];
      out.push({ method, url, headers, ...(body !== undefined ? { body } : {}) });
    }
  }
  return out;
}

let child: ChildProcess;
let output = '';
let dataDir = '';

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
  child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/emulator/cli.ts'), '--quiet'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', EMULATOR_DATA_DIR: dataDir, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const started = Date.now();
  while (!output.includes('Ctrl-C stops.')) {
    if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function send(c: Curl, returnId?: string): Promise<any> {
  const body = returnId && c.body ? c.body.replace('<returnId>', returnId) : c.body;
  const res = await fetch(c.url, { method: c.method, headers: c.headers, ...(body !== undefined ? { body } : {}) });
  return res.json();
}

describe('npm start', () => {
  it('prints the URL, the demo identities, and curl commands that walk a refund-only return to 退款成功', async () => {
    expect(output).toMatch(/URL\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('(seeded with the demo shop)');
    expect(output).toContain('o_demo_buyer');
    expect(output).toContain('o_demo_merchant');
    const curls = parseCurls(output);
    expect(curls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
      'POST /functions/applyReturn',
      'POST /functions/applyReturn',
      'POST /functions/queryReturns',
      'POST /functions/reviewReturn',
      'POST /_local/pay/flush',
      'GET /_local/db/returns',
    ]);
    for (const c of curls) expect(new URL(c.url).hostname).toBe('127.0.0.1');

    const preview = await send(curls[0]);
    expect(preview).toMatchObject({ ok: true, data: { eligible: true } });
    const applied = await send(curls[1]);
    expect(applied).toMatchObject({ ok: true, data: { return: { status: 'PENDING_REVIEW' } } });
    const returnId = applied.data.return.returnId;
    // the exchange picker of the clothing order: sizes and colours in stock at the same price
    const options = await send(curls[2]);
    expect(options.data.lines[0].options.map((o: any) => o.skuId)).toContain('SKU-TEE-W-L');
    const approved = await send(curls[3], returnId);
    expect(approved).toMatchObject({ ok: true, data: { return: { returnId, status: 'REFUNDING' } } });
    await send(curls[4]);
    const returns = await send(curls[5]);
    expect(returns.data.find((r: any) => r._id === returnId)).toMatchObject({ status: 'REFUNDED' });
  });

  it('Ctrl-C stops it cleanly', async () => {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('stopping…');
  }, 30_000);
});
