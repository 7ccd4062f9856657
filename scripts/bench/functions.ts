/**
 * Benchmark of the emulator's functions runner (not part of npm test):
 *   npx tsx scripts/bench/functions.ts [--calls 200] [--cold-runs 3]
 *
 * 1. warm invocation of the `probe` fixture doing one read + one
 *    compare-and-set write through the real wx-server-sdk (p50/p95 over N calls,
 *    programmatic and over HTTP POST /functions/probe);
 * 2. cold start of each bundled function in build/cloudfunctions (fork + load
 *    the bundle + first invocation), a few runs each.
 * Writes bench/results/functions.json and prints a summary.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulatorCore } from '../emulator/core';
import { installFunctions, invokeDetailed } from '../emulator/functions';

const root = path.resolve(typeof __dirname === 'string' ? __dirname : 'scripts/bench', '../..');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(pct(s, 50)), p95: r(pct(s, 95)), min: r(s[0]), max: r(s[s.length - 1]), mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

async function warm(calls: number) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'emu-bench-'));
  const emu = await createEmulatorCore({ port: 0, dataDir, functionsDir: path.join(root, 'build/test-functions'), persist: false, log: () => undefined });
  const functions = installFunctions(emu, {});
  try {
    await emu.db.insert('benchDocs', [{ _id: 'b1', version: 0 }]);
    for (let i = 0; i < 10; i++) await invokeDetailed(emu, 'probe', { op: 'readCas', id: 'b1' }, { openid: 'oBench' });
    const direct: number[] = [];
    const inFunction: number[] = [];
    const dbPerCall: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      const out = await invokeDetailed(emu, 'probe', { op: 'readCas', id: 'b1' }, { openid: 'oBench' });
      direct.push(performance.now() - t0);
      if (!out.ok || (out.value as { updated?: number }).updated !== 1) throw new Error(`bench call failed: ${JSON.stringify(out.error ?? out.value)}`);
      inFunction.push(out.durationMs);
      dbPerCall.push(emu.stats.list().find((r) => r.id === out.id)?.dbRequests ?? NaN);
    }
    const http: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      const res = await fetch(`${emu.url}/functions/probe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-wx-openid': 'oBench' },
        body: JSON.stringify({ op: 'readCas', id: 'b1' }),
      });
      const body: any = await res.json();
      http.push(performance.now() - t0);
      if (res.status !== 200 || body.updated !== 1) throw new Error(`bench HTTP call failed: ${JSON.stringify(body)}`);
    }
    const [doc] = await emu.db.find('benchDocs', { _id: 'b1' });
    return {
      fixture: 'probe {op: readCas}: doc(id).get() + where({_id, version}).update()',
      programmatic: summary(direct),
      http: summary(http),
      workerDurationMs: summary(inFunction),
      dbRequestsPerCall: [...new Set(dbPerCall)],
      finalVersion: doc.version,
      workers: functions.pool.workersInfo().length,
    };
  } finally {
    await emu.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function cold(runs: number) {
  const dir = path.join(root, 'build/cloudfunctions');
  const names = existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => existsSync(path.join(dir, n, 'index.js')))
        .sort()
    : [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'emu-bench-cold-'));
  const emu = await createEmulatorCore({ port: 0, dataDir, functionsDir: dir, persist: false, log: () => undefined });
  const functions = installFunctions(emu, {});
  const out: Record<string, unknown> = {};
  try {
    for (const name of names) {
      const coldMs: number[] = [];
      const warmMs: number[] = [];
      let outcome = '';
      for (let i = 0; i < runs; i++) {
        await functions.pool.stopIdle();
        const t0 = performance.now();
        // An empty client call: the function loads and answers (usually INVALID_ARGUMENT / FORBIDDEN).
        const first = await invokeDetailed(emu, name, {}, { openid: 'oBenchCold' });
        coldMs.push(performance.now() - t0);
        if (!first.cold) throw new Error(`${name}: expected a cold start`);
        const answer = first.value as { ok?: boolean; error?: { code?: string } } | undefined;
        outcome = first.ok ? `ok${answer?.ok === false ? ` (${answer.error?.code})` : ''}` : `error: ${first.error?.errMsg}`;
        const t1 = performance.now();
        await invokeDetailed(emu, name, {}, { openid: 'oBenchCold' });
        warmMs.push(performance.now() - t1);
      }
      out[name] = { cold: summary(coldMs), warmSameEvent: summary(warmMs), firstOutcome: outcome };
    }
  } finally {
    await emu.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

async function main() {
  const calls = arg('calls', 200);
  const coldRuns = arg('cold-runs', 3);
  if (!existsSync(path.join(root, 'build/test-functions/probe/index.js'))) {
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  }
  const started = new Date().toISOString();
  const warmResult = await warm(calls);
  const coldResult = await cold(coldRuns);
  const result = {
    at: started,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    warm: warmResult,
    coldStart: coldResult,
  };
  const outDir = path.join(root, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'functions.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);

  const w = warmResult;
  console.log(`functions bench (${result.node}, ${result.cpus} cpu) → ${path.relative(root, file)}`);
  console.log(`warm read+CAS  programmatic p50 ${w.programmatic.p50} ms  p95 ${w.programmatic.p95} ms  (n=${w.programmatic.n})`);
  console.log(`warm read+CAS  HTTP         p50 ${w.http.p50} ms  p95 ${w.http.p95} ms  (n=${w.http.n})`);
  console.log(`  inside worker p50 ${w.workerDurationMs.p50} ms; db requests per call ${w.dbRequestsPerCall.join(',')}`);
  console.log('cold start (fork + load bundle + first call), ms:');
  for (const [name, r] of Object.entries(coldResult) as [string, any][]) {
    console.log(
      `  ${name.padEnd(18)} p50 ${String(r.cold.p50).padStart(7)}  max ${String(r.cold.max).padStart(7)}   warm ${String(r.warmSameEvent.p50).padStart(6)}   ${r.firstOutcome}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
