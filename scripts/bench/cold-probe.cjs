'use strict';
/**
 * One cold start, in this fresh process (scripts/bench/cold.ts runs it):
 *   node cold-probe.cjs template            require('wx-server-sdk') + cloud.init + getWXContext
 *   node cold-probe.cjs <bundle/index.js>   require the bundle + its first call (SDK init,
 *                                           getWXContext, input check; refused before any request)
 * Prints one JSON line: { requireMs, initMs, totalMs }.
 */
const { performance } = require('node:perf_hooks');
const target = process.argv[2];
const t0 = performance.now();
if (target === 'template') {
  const cloud = require('wx-server-sdk');
  const t1 = performance.now();
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
  cloud.getWXContext();
  const t2 = performance.now();
  out(t1 - t0, t2 - t1);
} else {
  const fn = require(target);
  const t1 = performance.now();
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true; // the function's own log line
  void Promise.resolve(fn.main({}, {})).then(() => {
    const t2 = performance.now();
    process.stdout.write = write;
    out(t1 - t0, t2 - t1);
  });
}
function out(requireMs, initMs) {
  process.stdout.write(JSON.stringify({ requireMs, initMs, totalMs: requireMs + initMs }) + '\n');
}
