/**
 * npm run bench:cold — cold start of each built function against the standard
 * template, in the same run: every sample is a fresh `node` process
 * (scripts/bench/cold-probe.cjs) that times
 *   template: require('wx-server-sdk') + cloud.init() + getWXContext()
 *   bundle:   require(build/cloudfunctions/<name>/index.js) + its first call
 *             (SDK init, getWXContext, the input check — refused before any request)
 * RUNS rounds, interleaved (template, f1, …, fn, template, f1, …), median per
 * target. The SDK is pointed at a closed loopback port with the emulator's
 * variables: nothing leaves the machine. Writes bench/results/cold.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sdkEnv } from '../emulator/core';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNS = Number(process.env.COLD_RUNS) || 7;
const GOAL = 3;
const PROBE = path.join(__dirname, 'cold-probe.cjs');
const FN_DIR = path.join(ROOT, 'build', 'cloudfunctions');

const names = readdirSync(FN_DIR)
  .filter((n) => existsSync(path.join(FN_DIR, n, 'index.js')))
  .sort();
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  TZ: 'UTC',
  LANG: 'C.UTF-8',
  SCF_FUNCTIONVERSION: '$LATEST',
  SCF_RUNTIME: 'Nodejs16.13',
  ...sdkEnv({ url: 'http://127.0.0.1:9', envId: 'local' }, 'bench'),
  WX_CONTEXT_KEYS: 'WX_APPID',
  WX_APPID: 'wxbenchappid',
  TCB_SOURCE: 'wx_client',
};

interface Sample {
  requireMs: number;
  initMs: number;
  totalMs: number;
}

function probe(target: string, cwd: string): Sample {
  const out = execFileSync(process.execPath, [PROBE, target], {
    cwd,
    env: { ...env, SCF_FUNCTIONNAME: path.basename(cwd) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  const line = out.trim().split('\n').pop()!;
  return JSON.parse(line);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

const samples: Record<string, Sample[]> = { template: [] };
for (const n of names) samples[n] = [];
for (let round = 0; round < RUNS; round++) {
  samples.template.push(probe('template', ROOT));
  for (const n of names) samples[n].push(probe(path.join(FN_DIR, n, 'index.js'), path.join(FN_DIR, n)));
  process.stderr.write(`round ${round + 1}/${RUNS}\n`);
}

const summarise = (xs: Sample[]) => ({
  medianMs: r1(median(xs.map((s) => s.totalMs))),
  requireMedianMs: r1(median(xs.map((s) => s.requireMs))),
  initMedianMs: r1(median(xs.map((s) => s.initMs))),
  runsMs: xs.map((s) => r1(s.totalMs)),
});
const template = summarise(samples.template);
const functions: Record<string, ReturnType<typeof summarise> & { speedup: number; sizeKiB: number }> = {};
for (const n of names) {
  const s = summarise(samples[n]);
  functions[n] = { ...s, speedup: Math.round((template.medianMs / s.medianMs) * 100) / 100, sizeKiB: r1(statSync(path.join(FN_DIR, n, 'index.js')).size / 1024) };
}
const speedups = Object.values(functions).map((f) => f.speedup);
const result = {
  at: new Date().toISOString(),
  node: process.version,
  loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  runs: RUNS,
  method:
    'fresh process per sample, interleaved rounds, median; template = require(wx-server-sdk) + cloud.init + getWXContext; bundle = require(index.js) + first call (init, getWXContext, input check)',
  goal: `each bundle >= ${GOAL}x faster than the template`,
  template,
  functions,
  minSpeedup: Math.min(...speedups),
  goalMet: Math.min(...speedups) >= GOAL,
};
mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(ROOT, 'bench', 'results', 'cold.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`cold start, median of ${RUNS} fresh processes (interleaved), node ${process.version}`);
console.log(`  ${'template'.padEnd(16)} ${String(template.medianMs).padStart(7)} ms   (require ${template.requireMedianMs} + init ${template.initMedianMs})`);
for (const [n, f] of Object.entries(functions)) {
  console.log(`  ${n.padEnd(16)} ${String(f.medianMs).padStart(7)} ms   ${String(f.speedup).padStart(5)}× faster   ${f.sizeKiB} KiB`);
}
console.log(`min speedup ${result.minSpeedup}× (goal ≥ ${GOAL}×: ${result.goalMet ? 'met' : 'NOT met'}) → bench/results/cold.json`);
