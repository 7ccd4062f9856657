/**
 * `npm run fuzz:model -- --runs N --seed S`: the model-based test of issue 15
 * for long runs. Builds the functions (the npm script does), starts its own
 * emulator (a temp folder, port 0), runs N sequences — the i-th from seed
 * S + i, so `--runs 1 --seed <that seed>` replays one — and checks every
 * invariant after every command. Prints progress, then
 * `sequences run: N, violations: K` and each violation's shrunk
 * counterexample; exits 1 when K > 0.
 *
 * The model, the commands and the invariants are the jest test's
 * (test/functions/model/): one implementation.
 *
 * Options: --runs N (default 100), --seed S (default: time-based, printed),
 * --shrink-ms MS (time spent shrinking one counterexample, default 20000),
 * --shrink-all (shrink every failing sequence; by default only the first
 * failure of each broken rule is shrunk, the others are listed with their seed),
 * --min-length / --max-length (commands per sequence, default 8 / 25),
 * --ignore "rule,rule" (rules not checked: to look past a known violation),
 * --replay FILE (run the command list(s) in FILE — one JSON sequence, as a
 * report prints it, or a list of them — and print each step and what broke).
 */
import { startEmulator } from '../test/support/emulator';
import { readFileSync } from 'node:fs';
import { runModel, runSequence, describeResult } from '../test/functions/model/runner';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  return process.argv[i + 1];
}

function intArg(name: string, fallback: number): number {
  const v = arg(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const runs = intArg('runs', 100);
  const seed = intArg('seed', Date.now() % 2_000_000_000);
  const shrinkMs = intArg('shrink-ms', 20_000);
  const shrinkAll = process.argv.includes('--shrink-all');
  const minLength = intArg('min-length', 8);
  const maxLength = intArg('max-length', 25);
  const ignoreRules = (arg('ignore') ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const replay = arg('replay');
  if (replay) {
    const parsed = JSON.parse(readFileSync(replay, 'utf8'));
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const h = await startEmulator();
    let broken = 0;
    try {
      for (const seq of list) {
        const result = await runSequence(h, seq, ignoreRules);
        if (result.violations.length) broken++;
        console.log(`${describeResult(seq, result)}\n`);
      }
    } finally {
      await h.close();
    }
    console.log(`sequences run: ${list.length}, violations: ${broken}`);
    process.exit(broken ? 1 : 0);
  }
  console.log(`fuzz:model — ${runs} sequences from seed ${seed} (sequence i uses seed ${seed} + i), ${minLength}–${maxLength} commands each`);
  const h = await startEmulator();
  const started = Date.now();
  let code = 0;
  try {
    let lastPrint = 0;
    const { runs: done, failures } = await runModel(h, {
      seed,
      runs,
      shrinkMs,
      shrinkAll,
      minLength,
      maxLength,
      ignoreRules,
      onProgress: (n, k) => {
        if (n === runs || Date.now() - lastPrint > 5000 || n % 100 === 0) {
          lastPrint = Date.now();
          console.log(`  ${n}/${runs} sequences, ${k} violation${k === 1 ? '' : 's'} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
        }
      },
    });
    console.log(`\nsequences run: ${done}, violations: ${failures.length}`);
    if (failures.length) {
      const byRule = new Map<string, number>();
      for (const f of failures) for (const r of f.rules) byRule.set(r, (byRule.get(r) ?? 0) + 1);
      console.log(`rules broken: ${[...byRule].map(([r, n]) => `${r} (${n})`).join(', ')}`);
      failures.forEach((f, i) => console.log(`\n── violation ${i + 1} ──\n${f.report}`));
      code = 1;
    }
    console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await h.close();
  }
  process.exit(code);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
