// Jest transformer: TypeScript → CommonJS with esbuild (ts-jest does not support
// the current TypeScript major). Type checking is `npm run typecheck`.
const { transformSync } = require('esbuild');

module.exports = {
  process(src, filename) {
    const out = transformSync(src, {
      loader: filename.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'cjs',
      target: 'node18',
      sourcemap: 'inline',
      sourcefile: filename,
    });
    return { code: out.code };
  },
};
