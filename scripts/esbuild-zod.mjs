/**
 * esbuild plugin: zod's namespace re-exports every translation (~260 KiB)
 * though only the default English one is used (our messages are written in
 * Chinese on the schemas), so its locales index resolves to English alone.
 */
import path from 'node:path';

export function zodEnglishOnly(root) {
  return {
    name: 'zod-english-only',
    setup(b) {
      b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
        if (!/[\\/]zod[\\/]/.test(args.importer)) return undefined;
        return { path: 'zod-locales-en', namespace: 'zod-locales' };
      });
      b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
        contents: `export { default as en } from ${JSON.stringify(path.join(root, 'node_modules/zod/v4/locales/en.js'))};`,
        resolveDir: root,
      }));
    },
  };
}
