/**
 * Loopback-only network guard for tools that would call out to WeChat hosts
 * (miniprogram-ci asks servicewechat.com for project attributes and an
 * extension whitelist). Loaded with `--require` (NODE_OPTIONS, so forked
 * children get it too): a connection to any other host is refused locally,
 * before DNS or any packet, and listed in the file named by NET_GUARD_LOG.
 */
'use strict';
const net = require('node:net');
const dns = require('node:dns');
const fs = require('node:fs');

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;
function refuse(host, port, via) {
  const line = `${via} ${host}${port ? ':' + port : ''}`;
  // read at each refusal: a process may start another compile with another list
  const log = process.env.NET_GUARD_LOG;
  if (log) {
    try {
      fs.appendFileSync(log, line + '\n');
    } catch {}
  }
  const err = new Error(`network guard: ${line} refused (loopback only)`);
  err.code = 'ENETUNREACH';
  return err;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = args[0];
  const opts = Array.isArray(first) ? first[0] : typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (opts && opts.path === undefined) {
    const host = opts.host ?? 'localhost';
    if (!LOOPBACK.test(String(host))) {
      const err = refuse(host, opts.port, 'connect');
      process.nextTick(() => this.destroy(err));
      return this;
    }
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(host, ...rest) {
  if (!LOOPBACK.test(String(host))) {
    const cb = rest.find((a) => typeof a === 'function');
    const err = refuse(host, 0, 'dns');
    if (cb) process.nextTick(() => cb(err));
    return {};
  }
  return lookup.call(this, host, ...rest);
};
