/**
 * The bundles carry everything (scripts/build.mjs, scripts/build/): no
 * require of anything but Node's own modules, no dependency left for the
 * cloud to install, the size budget enforced by the build, the cut modules'
 * stubs (walkable, throwing a recognisable error when used) and the lean
 * substitutes answering as the modules they replace.
 */
import { spawnSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { withBuildLock } from '../support/build-lock';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'build', 'cloudfunctions');
const NAMES = ['applyReturn', 'uploadEvidence', 'submitLogistics', 'reviewReturn', 'executeRefund', 'refundCallback', 'sweepTimeouts', 'queryReturns', 'afterSaleEvents'];
const req = createRequire(__filename);

/** What scripts/build/cut-modules.mjs (ESM, run by node as the build does) makes: two stubs, INIT_CALLS and the generated mime-db. */
let made: { jwt: string; client: string; mimeDb: string } | undefined;
async function cutModules(): Promise<any> {
  if (!made) {
    const script = `import { stubSource, INIT_CALLS, GENERATED } from ${JSON.stringify(path.join(ROOT, 'scripts', 'build', 'cut-modules.mjs'))};
      const c = '@cloudbase/wx-cloud-client-sdk';
      process.stdout.write(JSON.stringify({ jwt: stubSource('jsonwebtoken', 'custom login tickets'), client: stubSource(c, 'data models', INIT_CALLS[c]), mimeDb: GENERATED['mime-db']() }));`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(res.stderr);
    made = JSON.parse(res.stdout);
  }
  return made!;
}

describe('the built functions', () => {
  it('require nothing but Node built-ins (wx-server-sdk is inside), and list no dependencies', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const name of NAMES) {
      const src = readFileSync(path.join(OUT, name, 'index.js'), 'utf8');
      const required = new Set([...src.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
      expect([...required].filter((m) => !builtins.has(m))).toEqual([]);
      expect(src).toContain('[cut-module] ');
      const pkg = JSON.parse(readFileSync(path.join(OUT, name, 'package.json'), 'utf8'));
      expect(pkg.dependencies ?? {}).toEqual({});
    }
  });

  it('a build over the size budget fails, names the bundles, and leaves the artifacts in place as they were', async () => {
    // build.test.ts's build (in the other jest worker) must not run meanwhile: its artifacts and staging folders are not this build's
    await withBuildLock(() => {
      const before = NAMES.map((n) => statSync(path.join(OUT, n, 'index.js')).mtimeMs);
      const res = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, env: { ...process.env, BUNDLE_BUDGET_KIB: '100' }, encoding: 'utf8' });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toContain('bundle size budget exceeded (100 KiB per function');
      for (const n of NAMES) expect(res.stderr).toContain(`build/cloudfunctions/${n}/index.js`);
      expect(NAMES.map((n) => statSync(path.join(OUT, n, 'index.js')).mtimeMs)).toEqual(before);
      expect(readdirSync(OUT).filter((f) => f.startsWith('.staging'))).toEqual([]);
    });
  }, 60_000);
});

describe('a cut module', () => {
  // a stub answers any property with another stub: typed loosely on purpose
  type Stub = any;
  function load(source: string): Stub {
    const module: { exports: Stub } = { exports: {} };
    vm.runInNewContext(source, { module, exports: module.exports, process, globalThis: {} });
    return module.exports;
  }

  it('can be required and walked as the SDK does at load, but throws CUT_MODULE with a clear message (and says so on stderr) when used', async () => {
    const stub = load((await cutModules()).jwt);
    expect(stub.__esModule).toBe(false);
    expect(typeof stub.default.sign).toBe('function');
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
    let err: { code?: string; message?: string } | undefined;
    try {
      stub.default.sign({ a: 1 });
    } catch (e) {
      err = e as typeof err;
    } finally {
      spy.mockRestore();
    }
    expect(err?.code).toBe('CUT_MODULE');
    expect(err?.message).toBe('[cut-module] jsonwebtoken was cut from this bundle (custom login tickets) but was reached: jsonwebtoken.default.sign()');
    expect(written.join('')).toContain('[cut-module] jsonwebtoken was cut');
    expect(() => new stub.Agent()).toThrow(/\[cut-module\] jsonwebtoken .* new jsonwebtoken\.Agent\(\)/);
  });

  it('answers the calls node-sdk makes at init with another stub (which throws when used)', async () => {
    const stub = load((await cutModules()).client);
    const client = stub.generateHTTPClient(() => undefined);
    expect(() => client.someModel.list()).toThrow(/\[cut-module\] @cloudbase\/wx-cloud-client-sdk .*generateHTTPClient\(\)\.someModel\.list\(\)/);
    expect(() => stub.somethingElse()).toThrow(/CUT|cut-module/);
  });
});

describe('the lean substitutes', () => {
  it('xml2js-lean reads COS answers exactly as xml2js does', () => {
    const lean = req(path.join(ROOT, 'scripts', 'build', 'xml2js-lean.cjs'));
    const real = req(req.resolve('xml2js', { paths: [path.dirname(req.resolve('@cloudbase/node-sdk'))] }));
    const cases = [
      '',
      '   ',
      "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n  <Code>SignatureDoesNotMatch</Code>\n  <Message>The request signature we calculated does not match &amp; more</Message>\n  <Resource>/evidence/a.jpg</Resource>\n  <RequestId>NjQzZTMyYzBf</RequestId>\n  <TraceId>OGVmYzZiMmQz</TraceId>\n</Error>",
      '<Root a="1"><A>x</A><A><B/></A>tail</Root>',
    ];
    const parse = (m: any, s: string) => {
      let out: unknown;
      m.parseString(s, (e: unknown, r: unknown) => (out = e ? 'error' : r));
      return out;
    };
    for (const c of cases) expect(parse(lean, c)).toEqual(parse(real, c));
    expect(parse(lean, '<a><b></a>')).toBe('error');
  });

  it('the bundled mime-db answers as mime-db for image, video and audio types (what the openapi media converter asks)', async () => {
    const module: { exports: Record<string, { extensions: string[] }> } = { exports: {} };
    vm.runInNewContext((await cutModules()).mimeDb, { module, exports: module.exports });
    const db = req('mime-db');
    for (const type of ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4', 'audio/mpeg']) expect(module.exports[type].extensions).toEqual(db[type].extensions);
    expect(module.exports['application/json']).toBeUndefined();
  });
});
