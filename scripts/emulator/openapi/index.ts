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
 *     POST /_local/subscribe          { openid, templateIds: [..≤3] } one accept per template id (a tap on
 *                                      wx.requestSubscribeMessage) → { consents: { <templateId>: n } }
 *     GET  /_local/subscribe?openid=  → { consents }
 *     POST /_local/logistics/accounts { accounts: [{ delivery_id, biz_id, status_code?, alias?, service_type? }], replace? }
 *     GET  /_local/logistics/accounts → { list }
 *     POST /_local/media-check        { callbackFunction?, verdicts?: ['pass'|'risky'|'review'], auto?: bool, delayMs? }
 *     POST /_local/media-check/flush  deliver every pending verdict now → { delivered: [...] }
 *     GET  /_local/media-check        → { config, pending, delivered }
 *
 * Strict like WeChat (docs/platform-limits.md, "open API"): subscribe messages
 * need a one-time consent per (openid, template id) — a send without one is
 * answered 43101 and consumes nothing; each successful send consumes one.
 * imgSecCheck takes PNG/JPEG/GIF only, ≤ 500 KB and ≤ 750 × 1334 px (40006
 * otherwise; 40005 for another format). mediaCheckAsync (version 2: openid +
 * scene) answers a trace_id and delivers its verdict later to the configured
 * function as a `wxa_media_check` message-push event. logistics.addOrder
 * books only through a bound account (status_code 0) with structured
 * sender/receiver addresses. Consents, accounts and bookings are kept in
 * <dataDir>/openapi.json (with the database), wiped by `reset`.
 */
import type { AdminReply, Emulator, HttpResult } from '../types';
import { currentInvocation } from '../functions';
import { functionConfig } from '../functions/pool';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { invokeDetailed } from '../functions';
import { decodeCommApiData, encodeCommOpenApiResp, partBytes } from './proto';
import { imageInfo } from './media';

/** security.imgSecCheck limits (docs/platform-limits.md): the stricter of the documented ones. */
export const IMG_SEC_CHECK = Object.freeze({ maxBytes: 500 * 1024, maxWidth: 750, maxHeight: 1334, formats: ['png', 'jpeg', 'gif'] as const });
/** wx.requestSubscribeMessage: at most 3 template ids a call. */
export const MAX_TEMPLATES_PER_REQUEST = 3;
/** Subscribe-message field limits by key prefix (characters). */
const FIELD_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  thing: 20,
  phrase: 5,
  character_string: 32,
  number: 32,
  letter: 32,
  name: 10,
  amount: 32,
  time: 64,
  date: 64,
  car_number: 8,
  phone_number: 17,
});

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

export interface LogisticsAccount {
  delivery_id: string;
  biz_id: string;
  /** 0 bound, 1 under review, 2 binding failed, 3 unbound (getAllAccount). */
  status_code: number;
  alias?: string;
  create_time: number;
  update_time: number;
  service_type?: { service_type: number; service_name: string }[];
}

export type MediaVerdict = 'pass' | 'risky' | 'review';

export interface MediaCheckJob {
  traceId: string;
  openid: string;
  mediaUrl: string;
  mediaType: number;
  scene: number;
  verdict: MediaVerdict;
  /** Emulator clock ms when it was asked. */
  at: number;
  deliveredTo?: string;
  /** The message-push event delivered (wxa_media_check). */
  event?: Record<string, unknown>;
  delivery?: { ok: boolean; error?: string; result?: unknown };
}

export interface OpenApiOptions {
  /** Start empty (ignore <dataDir>/openapi.json). */
  reset?: boolean;
  /** Keep consents, bound accounts and bookings in <dataDir>/openapi.json (default true). */
  persist?: boolean;
  /** Refuse apis missing from the calling function's config.json permissions.openapi (as the cloud does). Default true. */
  enforcePermissions?: boolean;
  /** Keep at most this many outbox records (default 5000). */
  maxRecords?: number;
}

export interface OpenApiEmulator {
  outbox(): OutboxRecord[];
  script(api: string, responses: OpenApiScript[]): void;
  clear(): void;
  /** One-time subscribe consents left for `openid`, by template id. */
  consents(openid: string): Record<string, number>;
  /** Record one accept per template id (what a tap on wx.requestSubscribeMessage gives). */
  subscribe(openid: string, templateIds: string[]): Record<string, number>;
  /** Bound carrier accounts (logistics.getAllAccount). */
  setAccounts(list: Partial<LogisticsAccount>[], replace?: boolean): LogisticsAccount[];
  accounts(): LogisticsAccount[];
}

interface CallContext {
  media: Record<string, Buffer>;
  /** queue a media check (mediaCheckAsync) */
  queueMediaCheck(job: Omit<MediaCheckJob, 'verdict'>): void;
  /** persist the state after a change */
  changed(): void;
}

type Handler = (data: Record<string, any>, state: OpenApiState, now: number, ctx: CallContext) => Record<string, unknown>;

interface OpenApiState {
  waybills: Map<string, { order_id: string; delivery_id: string; waybill_id: string; biz_id?: string; status: number }>;
  seq: number;
  /** one-time subscribe consents left, by `${openid} ${templateId}` */
  consents: Map<string, number>;
  accounts: LogisticsAccount[];
}

const consentKey = (openid: string, templateId: string) => `${openid} ${templateId}`;

/** 47003 when a template field's value is missing or over its type's limit. */
function badTemplateData(data: unknown): string | null {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return 'argument invalid! data invalid';
  const entries = Object.entries(data as Record<string, any>);
  if (!entries.length) return 'argument invalid! data is empty';
  for (const [key, field] of entries) {
    const value = field?.value;
    if (typeof value !== 'string' || value === '') return `argument invalid! data.${key}.value is empty`;
    const prefix = key.replace(/\d+$/, '');
    const max = FIELD_LIMITS[prefix];
    if (max !== undefined && [...value].length > max) return `argument invalid! data.${key}.value exceeds ${max} characters`;
    if (prefix === 'phrase' && !/^[\u4e00-\u9fa5]+$/.test(value)) return `argument invalid! data.${key}.value must be Chinese characters`;
    if (prefix === 'character_string' && !/^[\x21-\x7e]+$/.test(value)) return `argument invalid! data.${key}.value must be letters, digits or symbols`;
  }
  return null;
}

const REQUIRED_ADDRESS = ['name', 'province', 'city', 'area', 'address'] as const;
const ADDRESS_BYTES: Readonly<Record<string, number>> = Object.freeze({
  name: 64,
  tel: 32,
  mobile: 32,
  company: 64,
  post_code: 10,
  country: 64,
  province: 64,
  city: 64,
  area: 64,
  address: 512,
});

/** logistics.addOrder field errors as the platform answers them (930561 args error, 9300526 arg size exceed limit). */
function addOrderFieldError(d: Record<string, any>, now: number): { errcode: number; errmsg: string } | null {
  const missing: string[] = [];
  for (const k of ['order_id', 'delivery_id', 'biz_id', 'sender', 'receiver', 'cargo', 'shop', 'insured', 'service'])
    if (d[k] === undefined || d[k] === null || d[k] === '') missing.push(k);
  if (d.add_source === undefined) missing.push('add_source');
  if (Number(d.add_source) === 0 && !d.openid) missing.push('openid');
  for (const side of ['sender', 'receiver']) {
    const a = d[side];
    if (!a || typeof a !== 'object') continue;
    for (const k of REQUIRED_ADDRESS) if (typeof a[k] !== 'string' || a[k].trim() === '') missing.push(`${side}.${k}`);
    if (!a.mobile && !a.tel) missing.push(`${side}.mobile`);
    for (const [k, max] of Object.entries(ADDRESS_BYTES)) {
      if (typeof a[k] === 'string' && Buffer.byteLength(a[k], 'utf8') > max) return { errcode: 9300526, errmsg: `arg size exceed limit: ${side}.${k}` };
    }
  }
  if (d.cargo && typeof d.cargo === 'object') for (const k of ['count', 'weight', 'space_x', 'space_y', 'space_z']) if (!(Number(d.cargo[k]) > 0)) missing.push(`cargo.${k}`);
  if (d.shop && typeof d.shop === 'object' && !d.shop.goods_name) missing.push('shop.goods_name');
  if (missing.length) return { errcode: 930561, errmsg: `args error: ${missing.join(', ')}` };
  if (Buffer.byteLength(String(d.order_id), 'utf8') > 512) return { errcode: 9300526, errmsg: 'arg size exceed limit: order_id' };
  // SF needs an expected pickup time in the future (0 = agreed beforehand).
  if (d.delivery_id === 'SF' && d.expect_time !== 0 && !(Number(d.expect_time) * 1000 > now))
    return { errcode: 930561, errmsg: 'args error: expect_time must be a future unix time for SF' };
  return null;
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
  'subscribeMessage.send': (d, st, _now, ctx) => {
    if (!d.touser || typeof d.touser !== 'string') return { errcode: 40003, errmsg: 'invalid openid' };
    if (!d.template_id || typeof d.template_id !== 'string') return { errcode: 40037, errmsg: 'invalid template_id' };
    const bad = badTemplateData(d.data);
    if (bad) return { errcode: 47003, errmsg: bad };
    // One-time subscription: one consent allows one message of that template.
    const key = consentKey(d.touser, d.template_id);
    const left = st.consents.get(key) ?? 0;
    if (left <= 0) return { errcode: 43101, errmsg: 'user refuse to accept the msg' };
    if (left === 1) st.consents.delete(key);
    else st.consents.set(key, left - 1);
    ctx.changed();
    return { errcode: 0, errmsg: 'ok', msgid: 1_000_000_000 + ++st.seq };
  },
  'logistics.getAllAccount': (_d, st) => ({
    errcode: 0,
    errmsg: 'ok',
    count: st.accounts.length,
    list: st.accounts.map((a) => ({
      ...a,
      remark_wrong_msg: '',
      remark_content: '',
      quota_num: 100,
      quota_update_time: a.update_time,
      service_type: a.service_type ?? [{ service_type: 0, service_name: '标准快递' }],
    })),
  }),
  'logistics.addOrder': (d, st, now, ctx) => {
    const fieldError = addOrderFieldError(d, now);
    if (fieldError) return fieldError;
    const delivery = String(d.delivery_id);
    const account = st.accounts.find((a) => a.delivery_id === delivery && a.biz_id === String(d.biz_id));
    if (!account || account.status_code !== 0) {
      const why = !account ? 'biz_id is not bound to this mini program' : account.status_code === 1 ? 'account under review' : 'account not usable (binding failed or unbound)';
      return { errcode: 9300501, errmsg: 'delivery logic fail', delivery_resultcode: 10002, delivery_resultmsg: why, waybill_data: [] };
    }
    const orderId = String(d.order_id);
    const existing = st.waybills.get(orderId);
    if (existing) return { errcode: 0, errmsg: 'ok', order_id: orderId, waybill_id: existing.waybill_id, waybill_data: [], delivery_resultcode: 0, delivery_resultmsg: '' };
    const waybill = `${delivery}${digits(13, now + ++st.seq)}`;
    st.waybills.set(orderId, { order_id: orderId, delivery_id: delivery, waybill_id: waybill, biz_id: d.biz_id, status: 0 });
    ctx.changed();
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
  'logistics.cancelOrder': (d, st, _now, ctx) => {
    const w = st.waybills.get(String(d.order_id));
    if (!w) return { errcode: 9300507, errmsg: 'order not exist' };
    w.status = 2;
    ctx.changed();
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
  'security.imgSecCheck': (_d, _st, _now, ctx) => {
    const media = ctx.media.media;
    if (!media || !media.length) return { errcode: 41005, errmsg: 'media data missing' };
    if (media.length > IMG_SEC_CHECK.maxBytes) return { errcode: 40006, errmsg: 'invalid media size' };
    const info = imageInfo(media);
    if (!info) return { errcode: 40005, errmsg: 'invalid file type' };
    if (info.width > IMG_SEC_CHECK.maxWidth || info.height > IMG_SEC_CHECK.maxHeight)
      return { errcode: 40006, errmsg: `invalid media size (${info.width}x${info.height} px, limit ${IMG_SEC_CHECK.maxWidth}x${IMG_SEC_CHECK.maxHeight})` };
    return { errcode: 0, errmsg: 'ok' };
  },
  'security.msgSecCheck': () => ({ errcode: 0, errmsg: 'ok', result: { suggest: 'pass', label: 100 }, detail: [] }),
  'security.mediaCheckAsync': (d, st, now, ctx) => {
    const url = typeof d.media_url === 'string' ? d.media_url : '';
    if (!/^https?:\/\/\S+$/.test(url)) return { errcode: 40097, errmsg: 'invalid args: media_url' };
    const mediaType = Number(d.media_type);
    if (mediaType !== 1 && mediaType !== 2) return { errcode: 40097, errmsg: 'invalid args: media_type (1 audio, 2 image)' };
    if (Number(d.version) !== 2) return { errcode: 40097, errmsg: 'invalid args: version must be 2' };
    if (!d.openid || typeof d.openid !== 'string') return { errcode: 40003, errmsg: 'invalid openid' };
    const scene = Number(d.scene);
    if (![1, 2, 3, 4].includes(scene)) return { errcode: 40097, errmsg: 'invalid args: scene (1 资料, 2 评论, 3 论坛, 4 社交日志)' };
    const traceId = `emu-trace-${now}-${++st.seq}`;
    ctx.queueMediaCheck({ traceId, openid: d.openid, mediaUrl: url, mediaType, scene, at: now });
    return { errcode: 0, errmsg: 'ok', trace_id: traceId };
  },
};

function decodePairs(pairs: { key: string; value: Buffer; contenttype?: string; filename?: string }[], media: Record<string, Buffer> = {}): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const p of pairs) {
    // Media parts: wx-server-sdk 4.0.2 sets `contentType` on the pair but the protobuf field is
    // `contenttype`, so only the filename (e.g. 'media.png') reaches the wire.
    if (p.contenttype || p.filename) {
      const ext = (p.filename ?? '').split('.').pop()?.toLowerCase() ?? '';
      const guessed = ({ png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', mp4: 'video/mp4' } as Record<string, string>)[ext];
      data[p.key] = { contentType: p.contenttype ?? guessed, filename: p.filename, size: p.value.length };
      media[p.key] = p.value;
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
  const state: OpenApiState = { waybills: new Map(), seq: 0, consents: new Map(), accounts: [] };
  let recordSeq = 0;
  const enforce = opts.enforcePermissions !== false;
  const maxRecords = opts.maxRecords ?? 5000;

  // ------------------------------------------------------------ persistence (write, then rename)
  const persist = opts.persist !== false && typeof emu.dataDir === 'string' && emu.dataDir !== '';
  const file = persist ? path.join(emu.dataDir, 'openapi.json') : '';
  if (persist && opts.reset) rmSync(file, { force: true });
  if (persist && !opts.reset && existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      for (const [k, n] of Object.entries(saved.consents ?? {})) if (Number(n) > 0) state.consents.set(k, Number(n));
      state.accounts = Array.isArray(saved.accounts) ? saved.accounts : [];
      for (const w of saved.waybills ?? []) state.waybills.set(w.order_id, w);
      state.seq = Number(saved.seq ?? 0);
    } catch (e: any) {
      process.stderr.write(`[openapi] could not read ${path.basename(file)}: ${e?.message}\n`);
    }
  }
  const save = () => {
    if (!persist) return;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, JSON.stringify({ consents: Object.fromEntries(state.consents), accounts: state.accounts, waybills: [...state.waybills.values()], seq: state.seq }));
      renameSync(tmp, file);
    } catch (e: any) {
      process.stderr.write(`[openapi] could not persist: ${e?.message}\n`);
    }
  };

  // ------------------------------------------------------------ mediaCheckAsync verdicts (message push)
  const mediaConfig: { callbackFunction: string | null; verdicts: MediaVerdict[]; auto: boolean; delayMs: number } = {
    callbackFunction: null,
    verdicts: [],
    auto: true,
    delayMs: 200,
  };
  const pendingChecks: MediaCheckJob[] = [];
  const deliveredChecks: MediaCheckJob[] = [];
  let closed = false;
  emu.onClose?.(() => {
    closed = true;
  });
  const deliver = async (job: MediaCheckJob): Promise<MediaCheckJob> => {
    const i = pendingChecks.indexOf(job);
    if (i < 0) return job;
    pendingChecks.splice(i, 1);
    const fn = mediaConfig.callbackFunction;
    const suggest = job.verdict;
    const label = suggest === 'pass' ? 100 : 20002;
    const event = {
      ToUserName: 'gh_emulator',
      FromUserName: job.openid,
      CreateTime: Math.floor(emu.clock.now() / 1000),
      MsgType: 'event',
      Event: 'wxa_media_check',
      appid: 'wx_emulator_appid',
      trace_id: job.traceId,
      version: 2,
      result: { suggest, label },
      detail: [{ strategy: 'content_model', errcode: 0, suggest, label, prob: 90 }],
    };
    job.event = event;
    if (!fn) {
      job.delivery = { ok: false, error: 'no callbackFunction configured (POST /_local/media-check { callbackFunction })' };
    } else {
      job.deliveredTo = fn;
      try {
        const out = await invokeDetailed(emu, fn, event, { source: 'wx_msgpush' });
        job.delivery = out.ok ? { ok: true, result: out.value } : { ok: false, error: out.error?.errMsg ?? 'failed' };
      } catch (e: any) {
        job.delivery = { ok: false, error: String(e?.message ?? e) };
      }
    }
    deliveredChecks.push(job);
    if (deliveredChecks.length > maxRecords) deliveredChecks.splice(0, deliveredChecks.length - maxRecords);
    return job;
  };
  const queueMediaCheck = (j: Omit<MediaCheckJob, 'verdict'>) => {
    const job: MediaCheckJob = { ...j, verdict: mediaConfig.verdicts.shift() ?? 'pass' };
    pendingChecks.push(job);
    if (mediaConfig.auto) {
      const t = setTimeout(() => {
        if (!closed) void deliver(job);
      }, mediaConfig.delayMs);
      (t as { unref?: () => void }).unref?.();
    }
  };

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
    consents: (openid) => Object.fromEntries([...state.consents].filter(([k]) => k.startsWith(`${openid} `)).map(([k, n]) => [k.slice(openid.length + 1), n])),
    subscribe(openid, templateIds) {
      for (const id of new Set(templateIds)) state.consents.set(consentKey(openid, id), (state.consents.get(consentKey(openid, id)) ?? 0) + 1);
      save();
      return api.consents(openid);
    },
    setAccounts(list, replace = true) {
      const now = Math.floor(emu.clock.now() / 1000);
      const fresh = list.map((a) => ({
        delivery_id: String(a.delivery_id),
        biz_id: String(a.biz_id),
        status_code: Number(a.status_code ?? 0),
        alias: a.alias ?? '',
        create_time: a.create_time ?? now,
        update_time: now,
        ...(a.service_type ? { service_type: a.service_type } : {}),
      }));
      if (replace) state.accounts = fresh;
      else for (const a of fresh) state.accounts = [...state.accounts.filter((x) => !(x.delivery_id === a.delivery_id && x.biz_id === a.biz_id)), a];
      save();
      return state.accounts.slice();
    },
    accounts: () => state.accounts.slice(),
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
    const media: Record<string, Buffer> = {};
    if (raw && raw.length) {
      try {
        data = decodePairs(decodeCommApiData(raw).pairs, media);
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
    let body = handler(data as Record<string, any>, state, now, { media, queueMediaCheck, changed: save });
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

  const parse = (body: Buffer): any => {
    try {
      return body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return undefined;
    }
  };

  emu.registerRoute('POST', '/_local/subscribe', async (_req, body): Promise<HttpResult> => {
    const input = parse(body);
    if (!input || typeof input !== 'object') return { status: 400, json: { errCode: 400, errMsg: 'body is not JSON' } };
    const { openid, templateIds } = input;
    if (typeof openid !== 'string' || openid === '') return { status: 400, json: { errCode: 400, errMsg: 'openid (string) is required' } };
    if (!Array.isArray(templateIds) || templateIds.length === 0 || templateIds.some((t: unknown) => typeof t !== 'string' || t === '')) {
      return { status: 400, json: { errCode: 400, errMsg: 'templateIds must be a non-empty list of template ids' } };
    }
    // wx.requestSubscribeMessage fails with more than 3 ids (errCode 20003 "Templates count out of max bounds").
    if (templateIds.length > MAX_TEMPLATES_PER_REQUEST)
      return { status: 400, json: { errCode: 20003, errMsg: `requestSubscribeMessage:fail at most ${MAX_TEMPLATES_PER_REQUEST} template ids a call` } };
    return { status: 200, json: { openid, consents: api.subscribe(openid, templateIds) } };
  });

  emu.registerRoute('GET', '/_local/subscribe', async (req): Promise<HttpResult> => {
    const openid = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('openid') ?? '';
    if (!openid) return { status: 200, json: { consents: Object.fromEntries(state.consents) } };
    return { status: 200, json: { openid, consents: api.consents(openid) } };
  });

  emu.registerRoute('POST', '/_local/logistics/accounts', async (_req, body): Promise<HttpResult> => {
    const input = parse(body);
    const list = Array.isArray(input) ? input : input?.accounts;
    if (!Array.isArray(list) || list.some((a: any) => !a || typeof a.delivery_id !== 'string' || typeof a.biz_id !== 'string' || a.delivery_id === '' || a.biz_id === '')) {
      return { status: 400, json: { errCode: 400, errMsg: 'expected { accounts: [{ delivery_id, biz_id, status_code? }] }' } };
    }
    return { status: 200, json: { list: api.setAccounts(list, input?.replace !== false) } };
  });

  emu.registerRoute('GET', '/_local/logistics/accounts', async (): Promise<HttpResult> => ({ status: 200, json: { count: state.accounts.length, list: state.accounts } }));

  emu.registerRoute('POST', '/_local/media-check', async (_req, body): Promise<HttpResult> => {
    const input = parse(body);
    if (!input || typeof input !== 'object') return { status: 400, json: { errCode: 400, errMsg: 'body is not JSON' } };
    if (input.callbackFunction !== undefined) {
      if (input.callbackFunction !== null && (typeof input.callbackFunction !== 'string' || !input.callbackFunction))
        return { status: 400, json: { errCode: 400, errMsg: 'callbackFunction must be a function name' } };
      mediaConfig.callbackFunction = input.callbackFunction;
    }
    if (input.verdicts !== undefined) {
      if (!Array.isArray(input.verdicts) || input.verdicts.some((v: unknown) => v !== 'pass' && v !== 'risky' && v !== 'review'))
        return { status: 400, json: { errCode: 400, errMsg: 'verdicts: list of pass | risky | review' } };
      mediaConfig.verdicts.push(...input.verdicts);
    }
    if (typeof input.auto === 'boolean') mediaConfig.auto = input.auto;
    if (input.delayMs !== undefined) {
      if (typeof input.delayMs !== 'number' || input.delayMs < 0) return { status: 400, json: { errCode: 400, errMsg: 'delayMs must be a number ≥ 0' } };
      mediaConfig.delayMs = input.delayMs;
    }
    return { status: 200, json: { config: mediaConfig, pending: pendingChecks.length } };
  });

  emu.registerRoute('POST', '/_local/media-check/flush', async (): Promise<HttpResult> => {
    const out: MediaCheckJob[] = [];
    for (const job of pendingChecks.slice()) out.push(await deliver(job));
    return { status: 200, json: { delivered: out } };
  });

  emu.registerRoute(
    'GET',
    '/_local/media-check',
    async (): Promise<HttpResult> => ({ status: 200, json: { config: mediaConfig, pending: pendingChecks, delivered: deliveredChecks } }),
  );

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
