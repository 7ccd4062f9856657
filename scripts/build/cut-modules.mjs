/**
 * esbuild plugin: what the product never reaches in wx-server-sdk's dependency
 * tree is cut from the bundle. A cut module is replaced by a small stub that
 * can be required and walked (the SDK requires these modules at load time and
 * reads properties off them), but throws a recognisable error the moment
 * anything of it is called or constructed:
 *
 *   [cut-module] <module> was cut from this bundle (<why>) but was reached: <path>
 *
 * The same line is written to stderr (the function's log, kept by the
 * emulator per invocation) and the error carries code 'CUT_MODULE', so a test
 * that drives every path of every function (test/functions/bundle-cuts.test.ts)
 * fails if any path reaches one.
 *
 * Substitutes (not stubs) replace modules that are reached but far larger
 * than what is used of them:
 * - xml2js (≈100 KiB with sax and xmlbuilder) is only used by node-sdk's
 *   uploadFile to read COS's answer (empty on success, a flat <Error> document
 *   otherwise) — scripts/build/xml2js-lean.cjs;
 * - mime-db (134 KiB of JSON, parsed at load) is only used by wx-server-sdk's
 *   openapi media converter (imgSecCheck's `media`) to name the uploaded part
 *   by the extension of its content type, and by form-data (through
 *   mime-types) to type a part from its file name, which the SDK's multipart
 *   requests (openapi, cloudPay) never give: the substitute is mime-db's own
 *   image/, video/ and audio/ entries (generated here from the installed
 *   mime-db), so those answer exactly as before; any other type is unknown
 *   (the SDK then names the part `media.png`, as it does for an unknown type).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

const here = path.dirname(fileURLToPath(import.meta.url));

/** bare module specifier → why it is never reached by this product */
export const CUT_MODULES = {
  '@cloudbase/wx-cloud-client-sdk': 'data models and MySQL (cloud.models, rdb)',
  jsonwebtoken: 'custom login tickets (auth().createTicket)',
  axios: 'metadata-host probe outside SCF (TENCENTCLOUD_RUNENV=SCF on the platform) and the requestClient shim',
  'http-proxy-agent': 'HTTP_PROXY support',
  'https-proxy-agent': 'HTTPS_PROXY support',
  'web-streams-polyfill': 'AI streaming',
  '@cloudbase/ai': 'AI (cloud.ai)',
};

/**
 * Calls made at SDK init whose result is kept but never used by the product:
 * they answer another stub (which throws when used) instead of throwing.
 * node-sdk's CloudBase constructor builds the data-model and MySQL clients.
 */
export const INIT_CALLS = {
  '@cloudbase/wx-cloud-client-sdk': ['@cloudbase/wx-cloud-client-sdk.generateHTTPClient', '@cloudbase/wx-cloud-client-sdk.generateMySQLClient'],
};

/** relative requires cut by the file that makes them: importer (path suffix) → specifier → why */
export const CUT_RELATIVE = [
  { importer: '@cloudbase/node-sdk/dist/cloudbase.js', specifier: './ai', name: '@cloudbase/node-sdk/dist/ai', why: 'AI (cloud.ai(): @cloudbase/ai, @cloudbase/app, adapter-wx_mp, web streams)' },
  { importer: '@cloudbase/database/dist/commonjs/document.js', specifier: './realtime/websocket-client', name: '@cloudbase/database/dist/commonjs/realtime/websocket-client', why: 'realtime watch() (websocket client)' },
  { importer: '@cloudbase/database/dist/commonjs/query.js', specifier: './realtime/websocket-client', name: '@cloudbase/database/dist/commonjs/realtime/websocket-client', why: 'realtime watch() (websocket client)' },
];

/** module → file replacing it (a lean implementation of what is used) */
export const SUBSTITUTES = {
  xml2js: path.join(here, 'xml2js-lean.cjs'),
};

/** module → source generated at build time */
export const GENERATED = {
  'mime-db': () => {
    const db = require('mime-db');
    const kept = Object.fromEntries(
      Object.entries(db)
        .filter(([type, v]) => /^(image|video|audio)\//.test(type) && v.extensions?.length)
        .map(([type, v]) => [type, { extensions: v.extensions }]),
    );
    return `'use strict';\n// mime-db's image/, video/ and audio/ entries (scripts/build/cut-modules.mjs)\nmodule.exports = ${JSON.stringify(kept)};\n`;
  },
};

export function stubSource(name, why, initCalls = []) {
  return `'use strict';
var NAME = ${JSON.stringify(name)}, WHY = ${JSON.stringify(why)}, INIT_CALLS = ${JSON.stringify(initCalls)};
function reached(where) {
  var msg = '[cut-module] ' + NAME + ' was cut from this bundle (' + WHY + ') but was reached: ' + where;
  try { process.stderr.write(msg + '\\n'); } catch (e) {}
  (globalThis.__cutModulesReached || (globalThis.__cutModulesReached = [])).push(where);
  var err = new Error(msg);
  err.code = 'CUT_MODULE';
  throw err;
}
function lazy(where) {
  return new Proxy(function () {}, {
    get: function (t, k) {
      if (k === '__esModule') return false;
      if (typeof k === 'symbol' || k === 'then' || k === 'toJSON') return undefined;
      return lazy(where + '.' + k);
    },
    has: function () { return false; },
    apply: function () { if (INIT_CALLS.indexOf(where) >= 0) return lazy(where + '()'); reached(where + '()'); },
    construct: function () { reached('new ' + where + '()'); },
  });
}
module.exports = lazy(NAME);
`;
}

/**
 * Lazy requires: modules every bundle needs on some paths only, required at
 * load by the file named here; the require is replaced by a getter that
 * loads the module the first time it is used. form-data (with
 * combined-stream, asynckit, mime-types, es-set-tostringtag, get-intrinsic…)
 * builds the multipart bodies of openapi and cloudPay calls only.
 */
export const LAZY_REQUIRES = [
  {
    file: '@cloudbase/node-sdk/dist/utils/request-core.js',
    from: 'const form_data_1 = __importDefault(require("form-data"));',
    to: 'let form_data_lazy; const form_data_1 = { get default() { return (form_data_lazy || (form_data_lazy = __importDefault(require("form-data")))).default; } };',
  },
];

/**
 * wx-server-sdk (one webpack file) requires its openapi protobuf messages
 * (generated code, with protobufjs and long) and json-bigint (with
 * bignumber.js) at load, though only openapi calls use them: those requires
 * become proxies that load the module when first used.
 */
export const SDK_LAZY = {
  file: 'wx-server-sdk/index.js',
  helper: 'var __wxLazy = function (load) { var m; var get = function () { return m || (m = load()); }; return new Proxy({}, { get: function (_, k) { return get()[k]; }, has: function (_, k) { return k in get(); } }); };\n',
  replacements: [
    // every `const openapi_1 = __webpack_require__(/*! …/protobuf/openapi */ "./src/protobuf/openapi.js")`
    { pattern: /__webpack_require__\(\/\*! [^*]*protobuf\/openapi \*\/ "\.\/src\/protobuf\/openapi\.js"\)/g, to: '__wxLazy(function () { return __webpack_require__("./src/protobuf/openapi.js"); })', count: 7 },
    { pattern: /const JSONBigIntDefault = __webpack_require__\(\/\*! json-bigint \*\/ "json-bigint"\);/g, to: '', count: 1 },
    {
      pattern: /const JSONBigInt = JSONBigIntDefault\(\{\s*useNativeBigInt: false,\s*\}\);/g,
      to: 'const JSONBigInt = __wxLazy(function () { return __webpack_require__("json-bigint")({ useNativeBigInt: false }); });',
      count: 1,
    },
  ],
};

export function cutModules() {
  return {
    name: 'cut-modules',
    setup(b) {
      const names = Object.keys(CUT_MODULES);
      const bare = new RegExp(`^(${names.map((n) => n.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(/.*)?$`);
      b.onResolve({ filter: bare }, (args) => {
        const m = args.path.match(bare);
        return { path: m[1], namespace: 'cut-module' };
      });
      for (const c of CUT_RELATIVE) {
        const filter = new RegExp(`^${c.specifier.replace(/[/.]/g, '\\$&')}$`);
        b.onResolve({ filter }, (args) => {
          if (!args.importer.replace(/\\/g, '/').endsWith(c.importer)) return undefined;
          return { path: c.name, namespace: 'cut-module' };
        });
      }
      b.onLoad({ filter: /.*/, namespace: 'cut-module' }, (args) => {
        const why = CUT_MODULES[args.path] ?? CUT_RELATIVE.find((c) => c.name === args.path)?.why ?? 'unused';
        return { contents: stubSource(args.path, why, INIT_CALLS[args.path]), loader: 'js' };
      });
      const subs = Object.keys(SUBSTITUTES);
      const subFilter = new RegExp(`^(${subs.join('|')})$`);
      b.onResolve({ filter: subFilter }, (args) => ({ path: SUBSTITUTES[args.path] }));
      for (const lazy of LAZY_REQUIRES) {
        const filter = new RegExp(lazy.file.replace(/[/.@-]/g, '\\$&') + '$');
        b.onLoad({ filter }, async (args) => {
          const src = await fs.readFile(args.path, 'utf8');
          if (!src.includes(lazy.from)) throw new Error(`cut-modules: ${lazy.file} no longer contains ${lazy.from} (SDK updated?)`);
          return { contents: src.replace(lazy.from, lazy.to), loader: 'js' };
        });
      }
      b.onLoad({ filter: /[\\/]wx-server-sdk[\\/]index\.js$/ }, async (args) => {
        let src = await fs.readFile(args.path, 'utf8');
        for (const r of SDK_LAZY.replacements) {
          const n = (src.match(r.pattern) ?? []).length;
          if (n !== r.count) throw new Error(`cut-modules: ${SDK_LAZY.file}: expected ${r.count} of ${r.pattern}, found ${n} (SDK updated?)`);
          src = src.replace(r.pattern, r.to);
        }
        return { contents: SDK_LAZY.helper + src, loader: 'js' };
      });
      const gens = Object.keys(GENERATED);
      b.onResolve({ filter: new RegExp(`^(${gens.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'generated-module' }));
      b.onLoad({ filter: /.*/, namespace: 'generated-module' }, (args) => ({ contents: GENERATED[args.path](), loader: 'js', resolveDir: here }));
    },
  };
}
