/**
 * esbuild plugin: `import { z } from 'zod'` in our code resolves to an object
 * holding only the members of `z` our sources use (found at build time:
 * every `z.<name>` in a file that imports zod), taken from zod's own
 * modules. zod ships `sideEffects: false`, so esbuild then leaves out what
 * nothing reaches (JSON Schema conversion, codecs, the other schema
 * types…): about half of zod, which every bundle parsed at each cold start.
 * Names used only as types (`z.infer`, `z.core.$ZodIssue`, …) are not
 * runtime members and are skipped; a member used at runtime but missing
 * here would make the bundle fail at load (every schema is built then), so
 * the function tests would all fail.
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** names seen as `z.<name>` that are types only (or a whole namespace only used in types) */
const TYPE_ONLY = new Set(['infer', 'input', 'output', 'core', 'RefinementCtx', 'ZodType', 'ZodTypeAny', 'ZodError', 'ZodIssue']);
const RESERVED = new Set(['enum', 'null', 'function', 'void', 'undefined', 'instanceof', 'any', 'never', 'unknown']);

async function sourcesUsing(dir, out = []) {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await sourcesUsing(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

export async function zodMembersUsed(srcDir) {
  const names = new Set();
  for (const file of await sourcesUsing(srcDir)) {
    const src = await fs.readFile(file, 'utf8');
    if (!/^import \{ z \} from 'zod';$/m.test(src)) continue; // `import type { z }` files use types only
    for (const m of src.matchAll(/\bz\s*\.\s*([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  }
  return [...names].filter((n) => !TYPE_ONLY.has(n)).sort();
}

export function zodSubset(root, srcDir) {
  const req = createRequire(path.join(root, 'package.json'));
  const zodDir = path.dirname(req.resolve('zod'));
  const external = path.join(zodDir, 'v4', 'classic', 'external.js');
  let contents;
  return {
    name: 'zod-subset',
    setup(b) {
      b.onResolve({ filter: /^zod$/ }, (args) => {
        if (!args.importer.startsWith(path.resolve(srcDir) + path.sep)) return undefined;
        return { path: 'zod-subset', namespace: 'zod-subset' };
      });
      b.onLoad({ filter: /.*/, namespace: 'zod-subset' }, async () => {
        if (!contents) {
          const used = await zodMembersUsed(srcDir);
          const runtime = new Set(Object.keys(await import(pathToFileURL(external).href)));
          const missing = used.filter((n) => !runtime.has(n));
          if (missing.length) throw new Error(`zod-subset: z.${missing.join(', z.')} used but not exported by zod`);
          const local = (n) => (RESERVED.has(n) ? `zod_${n}` : n);
          contents =
            `import { ${used.map((n) => (RESERVED.has(n) ? `${n} as ${local(n)}` : n)).join(', ')} } from ${JSON.stringify(external)};\n` +
            `export const z = Object.freeze({ ${used.map((n) => `${JSON.stringify(n)}: ${local(n)}`).join(', ')} });\n`;
        }
        return { contents, resolveDir: zodDir, loader: 'js' };
      });
    },
  };
}
