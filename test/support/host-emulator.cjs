'use strict';
/**
 * The emulator's modules as Node itself loads them (TypeScript through tsx's
 * namespaced require), outside jest's per-file module registry: required with
 * the host's require (test/support/emulator.ts), this file is evaluated once
 * per jest worker and every test file after the first finds the emulator's
 * code loaded and already optimised by V8, instead of loading and warming up
 * its own copy. Each test file still starts its own emulator (its own
 * database, clock, storage, outboxes, CloudBase environment): only the code
 * and, through the bank, the function processes are shared.
 */
const { register } = require('tsx/cjs/api');

const tsx = register({ namespace: 'aftersales-test-harness' });
const load = (id) => tsx.require(id, __filename);

const { ProcessBank } = load('../../scripts/emulator/functions/pool.ts');

let environments = 0;

module.exports = {
  /** A CloudBase environment id never used before in this jest worker, for the next test file's emulator. */
  nextEnvId: () => `test-${process.pid}-${++environments}`,
  emulator: load('../../scripts/emulator/index.ts'),
  /**
   * The function processes an emulator leaves idle when its test file ends, for the next test file of this
   * worker: warm instances carried to the next file's emulator, another CloudBase environment (each harness
   * emulator has an envId of its own: what a module keeps is kept per environment); another bundle or
   * another function configuration loads afresh (pool.ts ProcessBank keepModules).
   */
  bank: new ProcessBank(3, { keepModules: true }),
  ejson: load('../../scripts/emulator/db/ejson.ts'),
  scrub: load('../../scripts/emulator/http/scrub.ts'),
  demo: load('../../scripts/emulator/demo.ts'),
};
