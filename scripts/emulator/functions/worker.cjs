'use strict';
/**
 * Worker bootstrap of the local CloudBase emulator: one process runs one cloud
 * function bundle and handles one invocation at a time, as on SCF.
 *
 * Plain CommonJS on purpose (no tsx, no build step): the pool forks it with
 * `execArgv: []`, sends `init`, and the bootstrap then
 *   1. installs the network guard (net/tls/dns/dgram: loopback only),
 *   2. installs the virtual clock (Date shifted by the emulator's offset;
 *      timers stay real),
 *   3. captures stdout/stderr writes (the function's JSON logs) per invocation,
 *   4. requires the bundle (cold start) and answers `ready`.
 * For each `invoke` it sets the per-invocation context in process.env (what
 * wx-server-sdk's getWXContext reads), calls `main(event, context)` and answers
 * `result`. A guard violation is reported at once with a `guard` message.
 *
 * A process kept in a ProcessBank (pool.ts) between emulators gets a second
 * `init` carrying the next emulator's `env`: it takes that environment as its
 * own and loads its bundle afresh (a new module instance: nothing of the
 * previous one is reachable), as a cold start would — or, with `keepModule`
 * (the bank's keepModules: the same bundle, another environment), keeps the
 * module it runs, a warm instance in its new environment.
 *
 * Messages in:  {type:'init', bundle, functionName, workerId, offset, codeCacheDir?, allowPorts?, env?, keepModule?}
 *               {type:'invoke', id, event, context, env, offset}
 *               {type:'clock', offset}
 * Messages out: {type:'ready', pid, loadMs, kept?, logs} | {type:'load-error', error, logs}
 *               {type:'result', id, ok, value?, error?, logs}
 *               {type:'guard', id, host, port, via}
 *               {type:'fatal', id, error, logs}  (then the process exits)
 */

const IDENTITY_KEYS = [
  'WX_CONTEXT_KEYS',
  'WX_OPENID',
  'WX_APPID',
  'WX_UNIONID',
  'WX_FROM_OPENID',
  'WX_FROM_APPID',
  'WX_FROM_UNIONID',
  'WX_CLIENTIP',
  'WX_CLIENTIPV6',
  'WX_ENV',
  'WX_SOURCE',
  'TCB_SOURCE',
  'TCB_SOURCE_IP',
];

let currentId = null;
let logs = [];
let logBytes = 0;
const MAX_LOG_BYTES = 512 * 1024;

function send(msg) {
  if (process.connected) {
    try {
      process.send(msg);
    } catch (err) {
      // Unserializable payloads are reported by the caller; a closed channel means the pool is gone.
      if (msg.type === 'result') {
        process.send({ type: 'result', id: msg.id, ok: false, error: { message: 'result could not be serialized: ' + err.message }, logs: msg.logs });
      }
    }
  }
}

function takeLogs() {
  const out = logs;
  logs = [];
  logBytes = 0;
  return out;
}

// ---------------------------------------------------------------- log capture
function captureStream(name) {
  const stream = process[name];
  const orig = stream.write.bind(stream);
  stream.write = function write(chunk, encoding, cb) {
    try {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? 'utf8' : 'utf8');
      if (logBytes < MAX_LOG_BYTES) {
        logBytes += text.length;
        for (const line of text.split('\n')) if (line.length) logs.push(name === 'stderr' ? '[stderr] ' + line : line);
        if (logBytes >= MAX_LOG_BYTES) logs.push('[emulator] log output truncated');
      }
    } catch (_) {
      /* never break the function's logging */
    }
    return orig(chunk, encoding, cb);
  };
}
captureStream('stdout');
captureStream('stderr');

// ---------------------------------------------------------------- network guard
const net = require('net');
const dns = require('dns');
const dgram = require('dgram');

function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // net defaults to localhost
  const h = String(host)
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127(\.\d{1,3}){3}$/.test(h)) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127(\.\d{1,3}){3}$/.test(h)) return true;
  return false;
}

function guardError(host, port, via) {
  const where = port !== undefined && port !== null && port !== '' ? `${host}:${port}` : String(host);
  const err = new Error(
    `[emulator network guard] blocked ${via} to ${where}: cloud functions under the local emulator may only reach 127.0.0.1 ` + `(every platform service is emulated there)`,
  );
  err.code = 'EMULATOR_NETWORK_GUARD';
  err.host = host;
  return err;
}

function violation(host, port, via) {
  send({ type: 'guard', id: currentId, host: String(host), port: port === undefined ? null : port, via });
  return guardError(host, port, via);
}

function connectTarget(args) {
  let a = args[0];
  if (Array.isArray(a)) a = a[0]; // net's normalized [options, cb]
  if (a === null || a === undefined) return { host: 'localhost' };
  if (typeof a === 'object') {
    if (a.path) return { path: a.path };
    return { host: a.host || a.hostname || 'localhost', port: a.port };
  }
  if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) {
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(a) };
  }
  if (typeof a === 'string') return { path: a };
  return { host: 'localhost' };
}

const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const t = connectTarget(args);
  if (!t.path && !isLoopbackHost(t.host)) {
    const err = violation(t.host, t.port, 'connection');
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return origConnect.apply(this, args);
};

function guardDnsFn(obj, name, promise) {
  const orig = obj[name];
  if (typeof orig !== 'function') return;
  obj[name] = function guardedDns(hostname, ...rest) {
    if (!isLoopbackHost(hostname)) {
      const err = violation(hostname, undefined, `dns.${name}`);
      if (promise) return Promise.reject(err);
      const cb = rest[rest.length - 1];
      if (typeof cb === 'function') {
        process.nextTick(() => cb(err));
        return undefined;
      }
      throw err;
    }
    return orig.call(this, hostname, ...rest);
  };
}
const DNS_FNS = [
  'lookup',
  'lookupService',
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCname',
  'resolveCaa',
  'resolveMx',
  'resolveNaptr',
  'resolveNs',
  'resolvePtr',
  'resolveSoa',
  'resolveSrv',
  'resolveTxt',
  'reverse',
];
for (const n of DNS_FNS) guardDnsFn(dns, n, false);
if (dns.Resolver) for (const n of DNS_FNS) guardDnsFn(dns.Resolver.prototype, n, false);
if (dns.promises) {
  for (const n of DNS_FNS) guardDnsFn(dns.promises, n, true);
  if (dns.promises.Resolver) for (const n of DNS_FNS) guardDnsFn(dns.promises.Resolver.prototype, n, true);
}

const origSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedSend(...args) {
  // send(msg[, offset, length], port[, address][, cb])
  let address;
  let port;
  for (let i = 1; i < args.length; i++) {
    if (typeof args[i] === 'number' && port === undefined && (typeof args[i + 1] === 'string' || typeof args[i + 1] === 'function' || args[i + 1] === undefined)) {
      port = args[i];
      if (typeof args[i + 1] === 'string') address = args[i + 1];
      break;
    }
  }
  if (address !== undefined && !isLoopbackHost(address)) throw violation(address, port, 'udp');
  return origSend.apply(this, args);
};
const origDgramConnect = dgram.Socket.prototype.connect;
if (origDgramConnect) {
  dgram.Socket.prototype.connect = function guardedDgramConnect(port, address, ...rest) {
    if (typeof address === 'string' && !isLoopbackHost(address)) throw violation(address, port, 'udp');
    return origDgramConnect.call(this, port, address, ...rest);
  };
}

// ---------------------------------------------------------------- virtual clock
const RealDate = Date;
let clockOffset = 0;
// `new Date(…)` itself builds a plain Date (VDate.prototype is Date.prototype); a subclass's goes through Reflect.construct.
function VDate(value) {
  if (!new.target) return new RealDate(RealDate.now() + clockOffset).toString();
  const n = arguments.length;
  if (new.target === VDate) {
    if (n === 0) return new RealDate(RealDate.now() + clockOffset);
    if (n === 1) return new RealDate(value);
    return new RealDate(...arguments);
  }
  return Reflect.construct(RealDate, n === 0 ? [RealDate.now() + clockOffset] : Array.from(arguments), new.target);
}
VDate.prototype = RealDate.prototype;
Object.defineProperty(RealDate.prototype, 'constructor', { value: VDate, writable: true, configurable: true });
VDate.now = function now() {
  return RealDate.now() + clockOffset;
};
VDate.parse = RealDate.parse;
VDate.UTC = RealDate.UTC;
Object.defineProperty(VDate, 'name', { value: 'Date' });
Object.defineProperty(VDate, 'length', { value: RealDate.length });
VDate.toString = function toString() {
  return 'function Date() { [native code] }';
};
globalThis.Date = VDate;

function setOffset(ms) {
  if (typeof ms === 'number' && Number.isFinite(ms)) clockOffset = ms;
}

// ---------------------------------------------------------------- bundle loading
// With `codeCacheDir` (the test harness sets it), the bundle is compiled with a V8 code cache kept there (keyed by
// the bundle's content and the Node version) and loaded as require() would load it (the same CommonJS wrapper,
// module, require, __filename and __dirname): what it runs is the same, but a new process skips parsing and
// compiling what an earlier process of the same bundle already compiled. The cache is written once, after a few
// invocations, so that it holds the functions those compiled lazily.
const CACHE_AFTER_INVOCATIONS = 5;
let codeCache = null;

function loadBundle(file, cacheDir) {
  if (!cacheDir) return require(file);
  const fs = require('fs');
  const path = require('path');
  const vm = require('vm');
  const Module = require('module');
  const src = fs.readFileSync(file, 'utf8');
  const hash = (...parts) => {
    const h = require('crypto').createHash('sha256');
    for (const part of parts) h.update(part).update('\0');
    return h.digest('hex').slice(0, 24);
  };
  // <which bundle>-<which build of it, for which Node>.v8: a rebuilt bundle's cache replaces the old one's
  const prefix = `${hash(file)}-`;
  const cacheFile = path.join(cacheDir, `${prefix}${hash(process.version, process.arch, src)}.v8`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch (_) {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(src), { filename: file, cachedData });
  codeCache = { script, cacheDir, cacheFile, prefix, written: cachedData !== undefined && !script.cachedDataRejected, invocations: 0 };
  const mod = new Module(file, null);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  Module._cache[file] = mod;
  script.runInThisContext({ displayErrors: true }).call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

function maybeWriteCodeCache() {
  if (!codeCache || codeCache.written || ++codeCache.invocations < CACHE_AFTER_INVOCATIONS) return;
  codeCache.written = true;
  try {
    const fs = require('fs');
    fs.mkdirSync(codeCache.cacheDir, { recursive: true });
    const tmp = `${codeCache.cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, codeCache.script.createCachedData());
    fs.renameSync(tmp, codeCache.cacheFile);
    const mine = require('path').basename(codeCache.cacheFile);
    for (const name of fs.readdirSync(codeCache.cacheDir)) {
      if (name.startsWith(codeCache.prefix) && name.endsWith('.v8') && name !== mine) fs.rmSync(require('path').join(codeCache.cacheDir, name), { force: true });
    }
  } catch (_) {
    /* a cache is only an optimisation */
  }
}

// ---------------------------------------------------------------- runtime
let mainFn = null;
let functionName = '';

function errorInfo(e) {
  if (e && typeof e === 'object') {
    const info = {
      message: e.message !== undefined ? String(e.message) : String(e),
      name: e.name,
      stack: typeof e.stack === 'string' ? e.stack : undefined,
    };
    if (e.errCode !== undefined) info.errCode = e.errCode;
    if (e.errMsg !== undefined) info.errMsg = String(e.errMsg);
    if (e.code !== undefined) info.code = String(e.code);
    return info;
  }
  return { message: String(e) };
}

function applyEnv(env) {
  for (const k of IDENTITY_KEYS) delete process.env[k];
  for (const [k, v] of Object.entries(env || {})) {
    if (v === undefined || v === null) delete process.env[k];
    else process.env[k] = String(v);
  }
}

async function runInvocation(msg) {
  currentId = msg.id;
  setOffset(msg.offset);
  applyEnv(msg.env);
  // Logs written between invocations (timers left behind by the previous one) belong to nobody.
  takeLogs();
  let reply;
  try {
    const value = await mainFn(msg.event, msg.context);
    reply = { type: 'result', id: msg.id, ok: true, value: value === undefined ? null : value };
  } catch (e) {
    reply = { type: 'result', id: msg.id, ok: false, error: errorInfo(e) };
  }
  reply.logs = takeLogs();
  currentId = null;
  send(reply);
  maybeWriteCodeCache();
}

function fatal(kind, e) {
  const info = errorInfo(e);
  info.message = `${kind}: ${info.message}`;
  try {
    process.stderr.write(`[emulator] ${info.message}\n${info.stack || ''}\n`);
  } catch (_) {
    /* ignore */
  }
  send({ type: 'fatal', id: currentId, error: info, logs: takeLogs() });
  // Let the IPC message flush, then go: the process state is unknown now.
  setTimeout(() => process.exit(70), 20).unref();
}

process.on('uncaughtException', (e) => fatal('uncaught exception', e));
process.on('unhandledRejection', (e) => fatal('unhandled promise rejection', e));

/** The whole environment of the process becomes `env` (a banked process starting for another emulator). */
function replaceEnv(env) {
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  for (const [k, v] of Object.entries(env)) process.env[k] = String(v);
}

process.on('message', (msg) => {
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'init') {
    functionName = msg.functionName;
    setOffset(msg.offset);
    if (msg.env && typeof msg.env === 'object') {
      replaceEnv(msg.env);
      takeLogs();
      if (msg.keepModule === true && mainFn) {
        // a warm instance carried to the next emulator (ProcessBank keepModules): the same module, its new environment
        send({ type: 'ready', pid: process.pid, loadMs: 0, kept: true, logs: [] });
        return;
      }
      mainFn = null;
      delete require.cache[msg.bundle];
      delete globalThis.__cutModulesReached;
    }
    const started = RealDate.now();
    try {
      // eslint-disable-next-line import/no-dynamic-require
      const mod = loadBundle(msg.bundle, msg.codeCacheDir);
      mainFn = mod && (typeof mod.main === 'function' ? mod.main : mod.default && typeof mod.default.main === 'function' ? mod.default.main : null);
      if (!mainFn) throw new Error(`${msg.bundle} does not export main`);
      send({ type: 'ready', pid: process.pid, loadMs: RealDate.now() - started, logs: takeLogs() });
    } catch (e) {
      send({ type: 'load-error', error: errorInfo(e), logs: takeLogs() });
      setTimeout(() => process.exit(71), 20).unref();
    }
  } else if (msg.type === 'invoke') {
    if (!mainFn) {
      send({ type: 'result', id: msg.id, ok: false, error: { message: `function ${functionName} is not loaded` }, logs: [] });
      return;
    }
    runInvocation(msg).catch((e) => send({ type: 'result', id: msg.id, ok: false, error: errorInfo(e), logs: takeLogs() }));
  } else if (msg.type === 'clock') {
    setOffset(msg.offset);
  }
});

process.on('disconnect', () => process.exit(0));
