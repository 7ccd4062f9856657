#!/usr/bin/env node
/**
 * Bundles every cloud function with esbuild into the folder that deploys:
 *   build/cloudfunctions/<name>/{index.js, index.js.map, package.json, config.json}
 * Shared code (cloudfunctions/core) and wx-server-sdk (the real, unmodified
 * SDK from node_modules) are bundled into each function's index.js: the
 * artifact's package.json lists no dependencies, nothing is installed in the
 * cloud. What the product never reaches of the SDK's dependency tree is cut
 * (scripts/build/cut-modules.mjs: stubs that throw a recognisable error if
 * reached; test/functions/bundle-cuts.test.ts drives every path and checks no
 * stub was hit); zod is reduced to the members our schemas use
 * (scripts/build/zod-subset.mjs). Test-only fixture functions under
 * test/fixtures/cloudfunctions/ are built the same way into build/test-functions/.
 *
 * Each bundle must stay within SIZE_BUDGET_KIB: the build fails otherwise.
 *
 * Target: Node.js 16 (the oldest cloud runtime we support: "Nodejs16.13").
 */
import { build } from 'esbuild';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zodEnglishOnly } from './esbuild-zod.mjs';
import { cutModules } from './build/cut-modules.mjs';
import { sideEffectFree } from './build/side-effect-free.mjs';
import { zodSubset } from './build/zod-subset.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
export const NODE_TARGET = 'node16';
const SHARED_DIRS = new Set(['core']);
/** Largest index.js a function may have (KiB); the build fails above it. */
export const SIZE_BUDGET_KIB = Number(process.env.BUNDLE_BUDGET_KIB) || 800;

async function functionDirs(srcRoot) {
  if (!existsSync(srcRoot)) return [];
  const entries = await fs.readdir(srcRoot, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !SHARED_DIRS.has(e.name) && existsSync(path.join(srcRoot, e.name, 'index.ts')))
    .map((e) => e.name)
    .sort();
}

const stagingDir = (outRoot, name) => path.join(outRoot, `.staging-${process.pid}-${name}`);

/**
 * Bundles every function of every set with one esbuild run (each file of the
 * SDK and of core/ is read, parsed and passed through the plugins once; each
 * function's bundle is still whole on its own, the same bytes as a run of its
 * own), into staging folders beside the artifacts.
 */
async function bundleAll(jobs) {
  const outRoot = path.join(root, 'build');
  for (const { out, name } of jobs) {
    await fs.rm(stagingDir(out, name), { recursive: true, force: true });
    await fs.mkdir(stagingDir(out, name), { recursive: true });
  }
  try {
    await build({
      // each bundle goes to its staging folder, at the depth of its final folder (the source maps' paths stay right)
      entryPoints: jobs.map(({ src, out, name }) => ({ in: path.join(src, name, 'index.ts'), out: path.relative(outRoot, path.join(stagingDir(out, name), 'index')) })),
      outdir: outRoot,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: NODE_TARGET,
      minify: true,
      // Arrow functions are written as `function` expressions: V8 compiles the bundle's module wrappers and the
      // functions a cold start calls noticeably faster so (npm run bench:cold: reviewReturn 49.8 → 41.3 ms, the
      // same code), and esbuild keeps `this` and `arguments` as they were.
      supported: { arrow: false },
      sourcemap: 'external',
      sourcesContent: false,
      legalComments: 'none',
      plugins: [zodSubset(root, path.join(root, 'cloudfunctions')), zodEnglishOnly(root), cutModules(), sideEffectFree([path.join(root, 'cloudfunctions', 'core', 'schemas')])],
      logLevel: 'warning',
    });
  } catch (err) {
    for (const { out, name } of jobs) await fs.rm(stagingDir(out, name), { recursive: true, force: true });
    throw err;
  }
}

/**
 * Writes a function's config and package beside its staged bundle, then moves
 * each file over its old copy with a rename (atomic on one file system): an
 * emulator or a test run reading build/ meanwhile, even during another build,
 * never finds a function's file missing or half-written.
 */
async function finish(srcRoot, outRoot, name) {
  const srcDir = path.join(srcRoot, name);
  const finalDir = path.join(outRoot, name);
  const outDir = stagingDir(outRoot, name);
  const configPath = path.join(srcDir, 'config.json');
  const config = existsSync(configPath) ? JSON.parse(await fs.readFile(configPath, 'utf8')) : { permissions: { openapi: [] } };
  await fs.writeFile(path.join(outDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const artifactPkg = {
    name,
    version: pkg.version,
    private: true,
    main: 'index.js',
    // everything is in index.js (wx-server-sdk included): nothing to install in the cloud
    dependencies: {},
  };
  await fs.writeFile(path.join(outDir, 'package.json'), JSON.stringify(artifactPkg, null, 2) + '\n');
  const { size } = await fs.stat(path.join(outDir, 'index.js'));
  if (size > SIZE_BUDGET_KIB * 1024) {
    // over budget: the artifact in place stays as it was
    await fs.rm(outDir, { recursive: true, force: true });
    return { name, size, over: true };
  }
  await fs.mkdir(finalDir, { recursive: true });
  const files = await fs.readdir(outDir);
  // index.js last: whoever sees the new bundle also finds its new map and config.
  files.sort((a, b) => (a === 'index.js') - (b === 'index.js') || a.localeCompare(b));
  for (const f of files) await fs.rename(path.join(outDir, f), path.join(finalDir, f));
  await fs.rm(outDir, { recursive: true, force: true });
  return { name, size };
}

export async function buildAll({ quiet = false } = {}) {
  const sets = [
    { src: path.join(root, 'cloudfunctions'), out: path.join(root, 'build', 'cloudfunctions'), label: 'functions' },
    { src: path.join(root, 'test', 'fixtures', 'cloudfunctions'), out: path.join(root, 'build', 'test-functions'), label: 'test fixtures' },
  ];
  const named = await Promise.all(sets.map(async (set) => ({ ...set, names: await functionDirs(set.src) })));
  await bundleAll(named.flatMap((set) => set.names.map((name) => ({ src: set.src, out: set.out, name }))));
  const results = [];
  for (const set of named) results.push({ ...set, built: await Promise.all(set.names.map((name) => finish(set.src, set.out, name))) });
  if (!quiet) {
    for (const set of results) {
      if (!set.built.length) continue;
      console.log(
        `built ${set.built.length} ${set.label} → ${path.relative(root, set.out)}/ (target ${NODE_TARGET}, minified, wx-server-sdk bundled, source maps beside; budget ${SIZE_BUDGET_KIB} KiB each)`,
      );
      for (const b of set.built) console.log(`  ${b.name.padEnd(18)} ${(b.size / 1024).toFixed(1).padStart(7)} KiB${b.over ? '  OVER BUDGET (not written)' : ''}`);
    }
  }
  const over = results.flatMap((set) => set.built.filter((b) => b.over).map((b) => `${path.relative(root, set.out)}/${b.name}/index.js ${(b.size / 1024).toFixed(1)} KiB`));
  if (over.length) {
    const err = new Error(`bundle size budget exceeded (${SIZE_BUDGET_KIB} KiB per function, scripts/build.mjs SIZE_BUDGET_KIB):\n  ${over.join('\n  ')}`);
    err.code = 'SIZE_BUDGET';
    throw err;
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAll().catch((err) => {
    console.error(err.code === 'SIZE_BUDGET' ? err.message : err);
    process.exit(1);
  });
}
