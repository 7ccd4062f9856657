/**
 * One jest file of the model-based test: `runs` sequences from fixed seeds
 * against this file's own emulator; fails with the shrunk counterexample.
 * MODEL_IGNORE="rule,rule" (or "*") leaves rules unchecked, e.g. to time the
 * whole run on a build that breaks them; MODEL_TIMING=1 prints the time.
 */
import { useEmulator } from '../../support/functions';
import { runModel } from './runner';

export function modelSuite(name: string, seed: number, runs: number): void {
  const h = useEmulator();
  describe(`model-based test (${name})`, () => {
    it(`${runs} sequences of 8–25 commands from seed ${seed} keep every invariant after every command`, async () => {
      const started = Date.now();
      const ignoreRules = (process.env.MODEL_IGNORE ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      const { runs: done, failures } = await runModel(h, { seed, runs, stopOnFirst: true, shrinkMs: 15_000, ignoreRules });
      if (failures.length)
        throw new Error(
          `${failures.length} of ${done} sequences broke an invariant (replay: npm run fuzz:model -- --runs 1 --seed ${failures[0].seed})\n\n${failures.map((f) => f.report).join('\n\n')}`,
        );
      expect(done).toBe(runs);
      if (process.env.MODEL_TIMING) console.log(`${name}: ${done} sequences in ${Date.now() - started} ms`);
    }, 300_000);
  });
}
