'use strict';
/**
 * The emulator's modules as Node itself loads them (TypeScript through tsx's
 * namespaced require), outside jest's per-file module registry: required with
 * the host's require (test/support/emulator.ts), this file is evaluated once
 * per jest worker and every test file after the first finds the emulator's
 * code loaded and already optimised by V8, instead of loading and warming up
 * its own copy. Each test file still starts its own emulator (its own
 * database, clock, function instances...): only the code and, through the
 * bank, the function processes' Node start-up are shared.
 */
const { register } = require('tsx/cjs/api');

const tsx = register({ namespace: 'aftersales-test-harness' });
const load = (id) => tsx.require(id, __filename);

const { ProcessBank } = load('../../scripts/emulator/functions/pool.ts');

module.exports = {
  emulator: load('../../scripts/emulator/index.ts'),
  /**
   * The function processes an emulator leaves idle when its test file ends, for the next test file of this
   * worker: each then loads its bundle afresh for the new emulator (a cold start without Node's start-up).
   */
  bank: new ProcessBank(3),
  ejson: load('../../scripts/emulator/db/ejson.ts'),
  scrub: load('../../scripts/emulator/http/scrub.ts'),
  demo: load('../../scripts/emulator/demo.ts'),
};
