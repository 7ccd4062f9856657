#!/usr/bin/env node
/**
 * npm run bench:tests [-- --label NAME] [-- --from FILE.json] — what `npm test`
 * costs: runs it as `npm run build --silent && jest --json`, measures its wall
 * clock and the CPU time (user + sys) of the process tree (Linux:
 * /proc/self/stat of this process, which counts every child waited for) and of
 * the whole machine (/proc/stat), and writes
 * per-file durations (slowest first) under `runs.<NAME>` (default `latest`) of
 * bench/results/tests.json, keeping the other labels: run it once on the
 * old commit (--label before) and once on the new one (--label after), back to
 * back, since the machine may be shared. `--from FILE.json` records an
 * existing `jest --json` output instead (no wall clock or CPU then).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(ROOT, 'bench', 'results', 'tests.json');

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const label = arg('label') ?? 'latest';
const from = arg('from');

/** CPU seconds of this process and of its waited-for children (Linux only). */
function cpuSeconds() {
  if (!existsSync('/proc/self/stat')) return undefined;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 100; // USER_HZ
  return { user: (Number(f[11]) + Number(f[13])) / tick, sys: (Number(f[12]) + Number(f[14])) / tick };
}

/**
 * CPU seconds of the whole machine (all processes), from /proc/stat: the function processes the test harness
 * keeps between test files (pool.ts ProcessBank) outlive jest's workers and are never waited for, so the process
 * tree's figure misses them. Meaningful on an otherwise idle machine (see loadAverage).
 */
function machineCpuSeconds() {
  if (!existsSync('/proc/stat')) return undefined;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const tick = 100; // USER_HZ
  return { user: (f[0] + f[1]) / tick, sys: (f[2] + f[5] + f[6]) / tick };
}

let report;
let wallMs;
let cpu;
let machineCpu;
const loadBefore = os.loadavg();
if (from) {
  report = JSON.parse(readFileSync(path.resolve(from), 'utf8'));
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-tests-'));
  const json = path.join(dir, 'jest.json');
  const cpu0 = cpuSeconds();
  const machine0 = machineCpuSeconds();
  const t0 = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--json', '--outputFile', json], { cwd: ROOT, stdio: 'inherit' });
  wallMs = Date.now() - t0;
  const cpu1 = cpuSeconds();
  const machine1 = machineCpuSeconds();
  if (cpu0 && cpu1) cpu = { userS: +(cpu1.user - cpu0.user).toFixed(1), sysS: +(cpu1.sys - cpu0.sys).toFixed(1) };
  if (machine0 && machine1) machineCpu = { userS: +(machine1.user - machine0.user).toFixed(1), sysS: +(machine1.sys - machine0.sys).toFixed(1) };
  report = JSON.parse(readFileSync(json, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
}

const files = report.testResults
  .map((r) => ({ file: path.relative(ROOT, r.name).split(path.sep).join('/'), seconds: +((r.endTime - r.startTime) / 1000).toFixed(1), tests: r.assertionResults.length }))
  .sort((a, b) => b.seconds - a.seconds);
const run = {
  at: new Date().toISOString(),
  node: process.version,
  cores: os.availableParallelism?.() ?? os.cpus().length,
  loadAverage: { before: loadBefore.map((l) => +l.toFixed(2)), after: os.loadavg().map((l) => +l.toFixed(2)) },
  ...(wallMs !== undefined ? { wallS: +(wallMs / 1000).toFixed(1) } : {}),
  ...(cpu ? { cpu } : {}),
  ...(machineCpu ? { machineCpu } : {}),
  tests: report.numTotalTests,
  passed: report.numPassedTests,
  failed: report.numFailedTests,
  suites: report.numTotalTestSuites,
  sumOfFileSeconds: +files.reduce((s, f) => s + f.seconds, 0).toFixed(1),
  files,
};
const previous = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : {};
const out = {
  method:
    'npm test (npm run build --silent && jest --json) on this machine; wallS, cpu (user + sys of the process tree that was waited for) and machineCpu (user + sys of the whole machine, which also counts the function processes kept between test files: compare runs on that) measured around it; files: jest per-file durations, slowest first',
  runs: { ...(previous.runs ?? {}), [label]: run },
};
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');
console.log(
  `${label}: ${run.wallS ?? '?'} s wall, machine cpu ${machineCpu ? `${machineCpu.userS} user + ${machineCpu.sysS} sys` : '?'}, ${run.passed} passed, ${run.failed} failed → ${path.relative(ROOT, OUT)}`,
);
process.exit(run.failed ? 1 : 0);
