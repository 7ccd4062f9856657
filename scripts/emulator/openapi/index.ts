/**
 * `cloud.openapi.*` (云调用) of the local emulator.
 *
 * Wire (wx-server-sdk 4.0.2 + @cloudbase/node-sdk 3.17.2): admin action
 * `wx.openApi`, multipart fields `apiName` ('subscribeMessage.send') and
 * `requestData` = protobuf CommApiData{apiType OPEN_API, openapiData.pairs:
 * [{key (snake_case), value = JSON bytes | media bytes + contenttype/filename}]}.
 * The reply is a raw protobuf CommOpenApiResp (content type must not be
 * `application/json; charset=utf-8`, or node-sdk parses it as JSON) whose
 * respData is the WeChat JSON body: `errcode` ≠ 0 makes the SDK throw
 * `{errCode: errcode, errMsg: 'openapi.<api>:fail <errmsg>'}`; otherwise
 * errcode/errmsg are dropped and the rest is camelCased. CommOpenApiResp.errorCode ≠ 0
 * is a platform error (e.g. -604101 no permission), thrown with that errCode.
 *
 *   installOpenApi(emu, opts?) → OpenApiEmulator
 *     admin action wx.openApi
 *     GET  /_local/outbox             { data: [OutboxRecord] }   (every call, failed ones too)
 *     POST /_local/openapi            { "<apiName>": [next responses] }  e.g. {errCode: 43101, errMsg: '...'}
 *                                      also { clear: true } (queues and outbox)
 *     POST /_local/outbox/clear
 */
import type { AdminReply, Emulator, HttpResult } from '../types';
import { currentInvocation } from '../functions';
import { functionConfig } from '../functions/pool';
import { decodeCommApiData, encodeCommOpenApiResp, partBytes } from './proto';

export interface OutboxRecord {
  id: number;
  /** e.g. 'subscribeMessage.send' */
  api: string;
  /** OPENID of the invocation that made the call, when known. */
  openid?: string;
  /** The calling function, when known. */
  function?: string;
  invocationId?: string;
  source?: string;
  /** Request data as the SDK sent it (snake_case keys; media parts as {contentType, filename, size}). */
  data: Record<string, unknown>;
  /** ISO time on the emulator clock. */
  at: string;
  /** What the function got: errCode 0 plus the response fields, or the error. */
  result: { errCode: number; errMsg: string; [k: string]: unknown };
}

/** A scripted next response for one api. */
export interface OpenApiScript {
  errCode?: number;
  errcode?: number;
  errMsg?: string;
  errmsg?: string;
  /** Platform-level failure code in CommOpenApiResp.errorCode (e.g. -604101, -601001). */
  systemError?: number;
  /** Any other fields: the WeChat response body (snake_case), merged over the default one. */
  [field: string]: unknown;
}

export interface OpenApiOptions {
  /** Refuse apis missing from the calling function's config.json permissions.openapi (as the cloud does). Default true. */
  enforcePermissions?: boolean;
  /** Keep at most this many outbox records (default 5000). */
  maxRecords?: number;
}

export interface OpenApiEmulator {
  outbox(): OutboxRecord[];
  script(api: string, responses: OpenApiScript[]): void;
  clear(): void;
}

type Handler = (data: Record<string, any>, state: OpenApiState, now: number) => Record<string, unknown>;

interface OpenApiState {
  waybills: Map<string, { order_id: string; delivery_id: string; waybill_id: string; biz_id?: string; status: number }>;
  seq: number;
}

function digits(n: number, seed: number): string {
  let s = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += String(x % 10);
  }
  return s;
}

const DEFAULTS: Record<string, Handler> = {
  'subscribeMessage.send': (d) => {
    if (!d.touser) return { errcode: 40003, errmsg: 'invalid openid' };
    if (!d.template_id) return { errcode: 40037, errmsg: 'invalid template_id' };
    return { errcode: 0, errmsg: 'ok' };
  },
  'logistics.addOrder': (d, st, now) => {
    const orderId = String(d.order_id ?? `EMU${now}${++st.seq}`);
    const existing = st.waybills.get(orderId);
    if (existing) return { errcode: 0, errmsg: 'ok', order_id: orderId, waybill_id: existing.waybill_id, waybill_data: [], delivery_resultcode: 0, delivery_resultmsg: '' };
    const delivery = String(d.delivery_id ?? 'SF');
    const waybill = `${delivery === 'SF' ? 'SF' : delivery}${digits(13, now + ++st.seq)}`;
    st.waybills.set(orderId, { order_id: orderId, delivery_id: delivery, waybill_id: waybill, biz_id: d.biz_id, status: 0 });
    return {
      errcode: 0,
      errmsg: 'ok',
      order_id: orderId,
      waybill_id: waybill,
      waybill_data: [{ key: 'SF_bagAddr', value: '广州' }],
      delivery_resultcode: 0,
      delivery_resultmsg: '',
    };
  },
  'logistics.getOrder': (d, st) => {
    const w = st.waybills.get(String(d.order_id));
    if (!w) return { errcode: 9300507, errmsg: 'order not exist' };
    return { errcode: 0, errmsg: 'ok', order_id: w.order_id, delivery_id: w.delivery_id, waybill_id: w.waybill_id, order_status: w.status, print_html: '' };
  },
  'logistics.cancelOrder': (d, st) => {
    const w = st.waybills.get(String(d.order_id));
    if (!w) return { errcode: 9300507, errmsg: 'order not exist' };
    w.status = 2;
    return { errcode: 0, errmsg: 'ok', delivery_resultcode: 0, delivery_resultmsg: '' };
  },
  'logistics.getAllDelivery': () => ({
    errcode: 0,
    errmsg: 'ok',
    count: 3,
    data: [
      { delivery_id: 'SF', delivery_name: '顺丰速运' },
      { delivery_id: 'ZTO', delivery_name: '中通快递' },
      { delivery_id: 'YTO', delivery_name: '圆通速递' },
    ],
  }),
  'security.imgSecCheck': () => ({ errcode: 0, errmsg: 'ok' }),
  'security.msgSecCheck': () => ({ errcode: 0, errmsg: 'ok', result: { suggest: 'pass', label: 100 }, detail: [] }),
  'security.mediaCheckAsync': (_d, st, now) => ({ errcode: 0, errmsg: 'ok', trace_id: `emu-trace-${now}-${++st.seq}` }),
};

function decodePairs(pairs: { key: string; value: Buffer; contenttype?: string; filename?: string }[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const p of pairs) {
    // Media parts: wx-server-sdk 4.0.2 sets `contentType` on the pair but the protobuf field is
    // `contenttype`, so only the filename (e.g. 'media.png') reaches the wire.
    if (p.contenttype || p.filename) {
      const ext = (p.filename ?? '').split('.').pop()?.toLowerCase() ?? '';
      const guessed = ({ png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', mp4: 'video/mp4' } as Record<string, string>)[ext];
      data[p.key] = { contentType: p.contenttype ?? guessed, filename: p.filename, size: p.value.length };
      continue;
    }
    const text = p.value.toString('utf8');
    try {
      data[p.key] = JSON.parse(text);
    } catch {
      data[p.key] = text;
    }
  }
  return data;
}

function camel(key: string): string {
  return key.replace(/_[a-z]/g, (m) => m[1].toUpperCase());
}

function camelDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelDeep(x)]));
  return v;
}

const installed = new WeakMap<Emulator, OpenApiEmulator>();

export function installOpenApi(emu: Emulator, opts: OpenApiOptions = {}): OpenApiEmulator {
  const already = installed.get(emu);
  if (already) return already;
  const records: OutboxRecord[] = [];
  const queues = new Map<string, OpenApiScript[]>();
  const state: OpenApiState = { waybills: new Map(), seq: 0 };
  let recordSeq = 0;
  const enforce = opts.enforcePermissions !== false;
  const maxRecords = opts.maxRecords ?? 5000;

  const api: OpenApiEmulator = {
    outbox: () => records.slice(),
    script(name, responses) {
      const q = queues.get(name) ?? [];
      q.push(...responses);
      queues.set(name, q);
    },
    clear() {
      records.splice(0);
      queues.clear();
    },
  };
  installed.set(emu, api);

  const reply = (resp: { body?: Record<string, unknown>; errorCode?: number }): AdminReply => ({
    kind: 'raw',
    contentType: 'application/octet-stream',
    body: encodeCommOpenApiResp({
      respData: Buffer.from(JSON.stringify(resp.body ?? {})),
      contentType: 'application/json; charset=utf-8',
      errorCode: resp.errorCode ?? 0,
    }),
  });

  emu.registerAction('wx.openApi', async (req) => {
    const apiName = String(req.params.apiName ?? '');
    const now = emu.clock.now();
    const inv = currentInvocation(emu, req.workerId);
    const raw = partBytes(req.files, req.params, 'requestData');
    let data: Record<string, unknown> = {};
    if (raw && raw.length) {
      try {
        data = decodePairs(decodeCommApiData(raw).pairs);
      } catch (e: any) {
        return { kind: 'json', body: { code: 'INVALID_PARAM', message: `requestData is not a CommApiData message: ${e?.message}` } };
      }
    }
    const record: OutboxRecord = {
      id: ++recordSeq,
      api: apiName,
      openid: inv?.openid,
      function: inv?.function,
      invocationId: inv?.id,
      source: inv?.source,
      data,
      at: new Date(now).toISOString(),
      result: { errCode: 0, errMsg: `openapi.${apiName}:ok` },
    };
    records.push(record);
    if (records.length > maxRecords) records.splice(0, records.length - maxRecords);

    // Permission as on the cloud: the calling function must list the api in config.json.
    if (enforce && inv) {
      const allowed = functionConfig(emu.functionsDir, inv.function)?.permissions?.openapi;
      if (!Array.isArray(allowed) || !allowed.includes(apiName)) {
        record.result = {
          errCode: -604101,
          errMsg: 'system error: error code: -604101',
          note: `function ${inv.function} has no permission to call ${apiName}: add it to config.json permissions.openapi`,
        };
        return reply({ errorCode: -604101 });
      }
    }

    const script = queues.get(apiName)?.shift();
    if (script && typeof script.systemError === 'number' && script.systemError !== 0) {
      record.result = { errCode: script.systemError, errMsg: `system error: error code: ${script.systemError}`, scripted: true };
      return reply({ errorCode: script.systemError });
    }
    const code = script ? Number(script.errCode ?? script.errcode ?? 0) : 0;
    if (script && code !== 0) {
      const msg = String(script.errMsg ?? script.errmsg ?? 'scripted failure');
      record.result = { errCode: code, errMsg: `openapi.${apiName}:fail ${msg}`, scripted: true };
      return reply({ body: { errcode: code, errmsg: msg } });
    }
    const handler = DEFAULTS[apiName] ?? (() => ({ errcode: 0, errmsg: 'ok' }));
    let body = handler(data as Record<string, any>, state, now);
    if (script) {
      const { errCode: _a, errcode: _b, errMsg: _c, errmsg: _d, systemError: _e, ...fields } = script;
      body = { ...body, ...fields };
    }
    const errcode = Number(body.errcode ?? 0);
    if (errcode !== 0) {
      record.result = { errCode: errcode, errMsg: `openapi.${apiName}:fail ${String(body.errmsg ?? '')}` };
    } else {
      const { errcode: _x, errmsg: _y, ...rest } = body;
      record.result = { ...(camelDeep(rest) as Record<string, unknown>), errCode: 0, errMsg: `openapi.${apiName}:ok` };
    }
    return reply({ body });
  });

  emu.registerRoute('GET', '/_local/outbox', async (): Promise<HttpResult> => ({ status: 200, json: { data: records } }));

  emu.registerRoute('POST', '/_local/outbox/clear', async () => {
    records.splice(0);
    return { status: 200, json: { ok: true } };
  });

  emu.registerRoute('POST', '/_local/openapi', async (_req, body): Promise<HttpResult> => {
    let input: any;
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return { status: 400, json: { errCode: 400, errMsg: 'body is not JSON' } };
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) return { status: 400, json: { errCode: 400, errMsg: 'expected { "<apiName>": [responses] }' } };
    if (input.clear === true) api.clear();
    for (const [name, list] of Object.entries(input)) {
      if (name === 'clear') continue;
      const arr = Array.isArray(list) ? list : [list];
      api.script(name, arr as OpenApiScript[]);
    }
    return { status: 200, json: { queued: Object.fromEntries([...queues].map(([k, q]) => [k, q.length])) } };
  });

  return api;
}
