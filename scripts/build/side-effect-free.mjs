/**
 * esbuild plugin: the product's own modules under the given folders declare
 * no side effects at load (they only define constants, schemas and functions),
 * so a bundle keeps only the modules it reaches: a function's bundle builds
 * its own input schemas at load, not those of the seven others (zod schemas
 * are built eagerly, and building them is most of what zod costs at a cold
 * start). Like `"sideEffects": false` in a package.json, for our folders.
 */
import path from 'node:path';

export function sideEffectFree(dirs) {
  const roots = dirs.map((d) => path.resolve(d) + path.sep);
  return {
    name: 'side-effect-free',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData?.sideEffectFree) return undefined;
        if (!roots.some((r) => args.resolveDir.startsWith(r) || (args.resolveDir + path.sep).startsWith(r) || args.importer.startsWith(r))) {
          // only imports made from our own code
          if (!args.importer.includes(`${path.sep}cloudfunctions${path.sep}`)) return undefined;
        }
        const res = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: { sideEffectFree: true } });
        if (res.errors.length || !roots.some((r) => res.path.startsWith(r))) return undefined;
        return { path: res.path, sideEffects: false };
      });
    },
  };
}
