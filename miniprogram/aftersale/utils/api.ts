/**
 * THE api module: every call of a cloud function goes through `call()`.
 *
 * - Envelope: `{ ok: true, data }` resolves with `data`; `{ ok: false, error }`
 *   rejects with an ApiError (code, Chinese message, details) and shows a
 *   Chinese toast chosen by the code (unless `toast: false`).
 * - requestId: every mutating call (all but queryReturns and applyReturn
 *   preview) gets one. A network failure (no answer, HTTP error, function
 *   crash) is retried automatically with the SAME requestId; if every retry
 *   fails, the id is kept, so the user's next tap on the same action with the
 *   same input reuses it — the server then answers with the first call's
 *   result instead of doing the action twice.
 * - In-flight dedupe: a second identical call while the first is running gets
 *   the first call's promise (a double tap sends one request).
 * - Transport: wx.cloud.callFunction (config.mode 'cloud') or the local
 *   emulator over HTTP (config.mode 'local': wx.request to
 *   <baseUrl>/functions/<name> with header x-wx-openid).
 * - Subscribe-message consent (requestSubscribe) and page loading / empty /
 *   forbidden state helpers (loadInto).
 */
import { config } from '../config';
import type { ErrorCode as ServerErrorCode, ExchangeLineOptions, ExchangePreview, Jsonified, ReturnViewData } from '../shared/contract';

export type FunctionName = 'applyReturn' | 'uploadEvidence' | 'submitLogistics' | 'reviewReturn' | 'executeRefund' | 'queryReturns';

/** The functions' error codes (api.md), plus the client's own. */
export type ErrorCode =
  | ServerErrorCode
  /** Client side: no answer after the retries. */
  | 'NETWORK';

/** Toast text per code. Codes in USE_SERVER_MESSAGE show the server's (Chinese, specific) message instead. */
export const ERROR_TEXT: Readonly<Record<ErrorCode, string>> = Object.freeze({
  INVALID_ARGUMENT: '填写的信息有误，请检查后重试',
  UNAUTHENTICATED: '请先登录后再操作',
  FORBIDDEN: '无权限进行此操作',
  NOT_FOUND: '售后单或订单不存在',
  NOT_ELIGIBLE: '不符合售后条件',
  RETURN_ALREADY_OPEN: '该商品已有进行中的售后，请勿重复申请',
  INVALID_STATE: '当前状态不能进行此操作，请刷新后查看',
  CONFLICT: '售后单刚刚有更新，请刷新后重试',
  EVIDENCE_INVALID: '凭证文件不符合要求，请重新上传',
  LOGISTICS_INVALID: '物流信息有误，请检查后重试',
  REFUND_LIMIT: '退款金额超出可退范围',
  PAYMENT_UNAVAILABLE: '支付平台暂时繁忙，系统会自动重试退款',
  INTERNAL: '系统繁忙，请稍后再试',
  NETWORK: '网络不给力，请检查网络后重试',
});

const USE_SERVER_MESSAGE = new Set<string>(['INVALID_ARGUMENT', 'NOT_FOUND', 'NOT_ELIGIBLE', 'EVIDENCE_INVALID', 'LOGISTICS_INVALID', 'REFUND_LIMIT', 'INVALID_STATE']);

export class ApiError extends Error {
  readonly code: ErrorCode | string;
  readonly details: any;
  constructor(code: ErrorCode | string, message: string, details?: any) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
  get network(): boolean {
    return this.code === 'NETWORK';
  }
}

/** The Chinese text to show for an error (toast or inline). */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'INVALID_ARGUMENT' && err.details?.issues?.[0]?.message) return err.details.issues[0].message;
    if (USE_SERVER_MESSAGE.has(err.code) && err.message) return err.message;
    return ERROR_TEXT[err.code as ErrorCode] ?? (err.message || ERROR_TEXT.INTERNAL);
  }
  return ERROR_TEXT.INTERNAL;
}

export function toast(title: string, icon: 'none' | 'success' = 'none'): void {
  wx.showToast({ title, icon, duration: 2500 });
}

// ------------------------------------------------------------------ requestIds

let seq = 0;
export function newRequestId(): string {
  seq = (seq + 1) % 1_000_000;
  const rand = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `mp-${Date.now().toString(36)}-${rand}-${seq}`;
}

export function isMutation(name: FunctionName, data: Record<string, any>): boolean {
  return !(name === 'queryReturns' || (name === 'applyReturn' && data.action === 'preview'));
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => k !== 'requestId' && o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** Identity of a call for dedupe and requestId reuse: function + input (requestId aside). */
export function callKey(name: FunctionName, data: Record<string, any>): string {
  return `${name}:${stable(data)}`;
}

const inFlight = new Map<string, Promise<any>>();
/** requestIds of mutating calls whose last attempt failed on the network: reused by the next identical call. */
const pendingIds = new Map<string, string>();

/** For tests: forget pending requestIds and in-flight calls. */
export function resetApiState(): void {
  inFlight.clear();
  pendingIds.clear();
}

// ------------------------------------------------------------------ transport

class NetworkError extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

let cloudReady = false;

/**
 * Cloud Development, initialised once by this package itself (a host app that
 * already called wx.cloud.init is not disturbed: init with the same env is
 * harmless), so the package works wherever it is mounted.
 */
export function ensureCloud(): void {
  if (cloudReady || config.mode !== 'cloud') return;
  wx.cloud.init({ env: config.envId || undefined, traceUser: true });
  cloudReady = true;
}

function viaCloud(name: string, data: Record<string, any>): Promise<unknown> {
  ensureCloud();
  return new Promise((resolve, reject) => {
    wx.cloud.callFunction({
      name,
      data,
      success: (res: any) => resolve(res.result),
      fail: (err: any) => reject(new NetworkError(err?.errMsg ?? 'callFunction:fail')),
    });
  });
}

function viaLocal(name: string, data: Record<string, any>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.local.baseUrl}/functions/${name}`,
      method: 'POST',
      data,
      header: { 'content-type': 'application/json', 'x-wx-openid': config.local.openid },
      success: (res) => (res.statusCode === 200 ? resolve(res.data) : reject(new NetworkError(`HTTP ${res.statusCode}`))),
      fail: (err) => reject(new NetworkError(err?.errMsg ?? 'request:fail')),
    });
  });
}

function transport(name: string, data: Record<string, any>): Promise<unknown> {
  return config.mode === 'local' ? viaLocal(name, data) : viaCloud(name, data);
}

function unwrap<T>(result: any): T {
  if (result && typeof result === 'object' && result.ok === true) return result.data as T;
  if (result && typeof result === 'object' && result.ok === false && result.error) {
    throw new ApiError(result.error.code ?? 'INTERNAL', result.error.message ?? '', result.error.details);
  }
  throw new ApiError('INTERNAL', '服务返回格式不正确');
}

// ------------------------------------------------------------------ call

export interface CallOptions {
  /** Title of a modal loading indicator while the call runs (none by default). */
  loading?: string;
  /** Show a toast on failure (default true). */
  toast?: boolean;
}

async function run<T>(name: FunctionName, data: Record<string, any>, key: string, opts: CallOptions): Promise<T> {
  const mutation = isMutation(name, data);
  const event = { ...data };
  if (mutation && !event.requestId) event.requestId = pendingIds.get(key) ?? newRequestId();
  if (opts.loading) wx.showLoading({ title: opts.loading, mask: true });
  try {
    const delays = config.retryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      let result: unknown;
      try {
        result = await transport(name, event);
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        if (attempt < delays.length) {
          await sleep(delays[attempt]);
          continue;
        }
        if (mutation) pendingIds.set(key, event.requestId);
        throw new ApiError('NETWORK', ERROR_TEXT.NETWORK);
      }
      if (mutation) pendingIds.delete(key);
      return unwrap<T>(result);
    }
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError('INTERNAL', ERROR_TEXT.INTERNAL);
    if (opts.toast !== false) toast(errorText(err));
    throw err;
  } finally {
    if (opts.loading) wx.hideLoading();
  }
}

/** Call a cloud function; resolves with the envelope's data. Identical calls in flight share one request. */
export function call<T = any>(name: FunctionName, data: Record<string, any>, opts: CallOptions = {}): Promise<T> {
  const key = callKey(name, data);
  const running = inFlight.get(key);
  if (running !== undefined) return running as Promise<T>;
  const p = run<T>(name, data, key, opts).finally(() => inFlight.delete(key));
  inFlight.set(key, p);
  return p;
}

// ------------------------------------------------------------------ typed helpers

export const api = {
  preview: (input: Record<string, any>) => call<PreviewData>('applyReturn', { action: 'preview', ...input }, { toast: false }),
  apply: (input: Record<string, any>) => call<{ return: ReturnView }>('applyReturn', { action: 'apply', ...input }, { loading: '提交中' }),
  modify: (input: Record<string, any>) => call<{ return: ReturnView }>('applyReturn', { action: 'modify', ...input }, { loading: '提交中' }),
  cancel: (returnId: string) => call<{ return: ReturnView }>('applyReturn', { action: 'cancel', returnId }, { loading: '撤销中' }),
  appeal: (input: { returnId: string; description: string; evidence?: string[] }) =>
    call<{ return: ReturnView }>('applyReturn', { action: 'appeal', ...input }, { loading: '提交中' }),
  get: (returnId: string, opts: CallOptions = { toast: false }) => call<{ return: ReturnView }>('queryReturns', { action: 'get', returnId }, opts),
  list: (input: { scope: 'mine' | 'merchant'; status?: string; cursor?: string; limit?: number }, opts: CallOptions = { toast: false }) =>
    call<{ items: ReturnSummary[]; nextCursor: string | null }>('queryReturns', { action: 'list', ...input }, opts),
  submitLogistics: (input: Record<string, any>, opts: CallOptions = {}) => call<{ return: ReturnView }>('submitLogistics', input, { loading: '提交中', ...opts }),
  review: (input: Record<string, any>) => call<{ return: ReturnView }>('reviewReturn', input, { loading: '提交中' }),
  refund: (input: { returnId: string; action: 'retry' | 'markOffline'; note?: string }) => call<any>('executeRefund', input, { loading: '提交中' }),
  /** Buyer: answer the merchant's open proposal (协商方案). */
  answer: (input: { returnId: string; action: 'acceptProposal' | 'declineProposal'; reason?: string }) => call<{ return: ReturnView }>('applyReturn', input, { loading: '提交中' }),
  /** A message (留言) on the after-sale: buyer through applyReturn, staff through reviewReturn. */
  message: (side: 'buyer' | 'staff', input: { returnId: string; text: string; evidence?: string[] }) =>
    call<{ return: ReturnView }>(side === 'buyer' ? 'applyReturn' : 'reviewReturn', { action: 'message', ...input }, { loading: '发送中' }),
  /** 换货 picker: per line of the buyer's order, the SKUs it may be swapped for (same product, same price, in stock). */
  exchangeOptions: (orderId: string) => call<{ lines: ExchangeLineOptions[] }>('queryReturns', { action: 'exchangeOptions', orderId }, { toast: false }),
  /** 换货: the buyer received the replacement (确认收到换货). */
  confirmExchange: (returnId: string) => call<{ return: ReturnView }>('applyReturn', { action: 'confirmExchange', returnId }, { loading: '提交中' }),
  attach: (returnId: string, files: { fileID: string; kind: string }[]) => call<{ return: ReturnView }>('uploadEvidence', { returnId, files }, { loading: '上传中' }),
};

// ------------------------------------------------------------------ subscribe messages

/** Where a tap asks for consent (every buyer tap that leads to a later change; staff on the work queue and review). */
export type SubscribeScene = 'apply' | 'modify' | 'logistics' | 'appeal' | 'detail' | 'staff';

/** What the server keeps of the caller's one-time consents (queryReturns subscribe). */
export interface SubscriptionState {
  /** Consents left per purpose (statusChanged, reminder): one message each. */
  consents: Record<string, number>;
  /** Messages about the after-sale asked for that did not reach the caller for want of consent. */
  missed: { hint: string; status: string; reason: string; at: string }[];
}

/** The server's view of the caller's consents (no tap: nothing new is recorded); with returnId, the missed messages. */
export function subscriptionState(returnId?: string): Promise<SubscriptionState> {
  return call<SubscriptionState>('queryReturns', { action: 'subscribe', templateIds: [], ...(returnId ? { returnId } : {}) }, { toast: false });
}

/**
 * Ask for consent to the after-sale subscribe messages. Call it first thing in
 * a tap handler (WeChat shows the dialog only on a user tap; at most 3
 * template ids a call). Subscribe messages are one-time: each accept allows
 * ONE message of that template, so every tap that leads to a later change asks
 * again. Never fails: a refusal or an old client just means fewer messages
 * (the detail page says how to get updates). Resolves with the accepted
 * template ids, to report with reportConsent() once the tap's own request is
 * sent (so that request is not delayed by it).
 */
export function requestSubscribe(scene: SubscribeScene): Promise<string[]> {
  const t = config.subscribeTemplates;
  const tmplIds = [t.statusChanged, t.reminder].filter(Boolean).slice(0, 3);
  void scene;
  return new Promise<Record<string, string>>((resolve) => {
    if (!tmplIds.length || typeof wx.requestSubscribeMessage !== 'function') return resolve({});
    try {
      wx.requestSubscribeMessage({
        tmplIds,
        success: (res: any) => resolve(res ?? {}),
        fail: () => resolve({}),
      });
    } catch {
      resolve({});
    }
  }).then((res) => tmplIds.filter((id) => res[id] === 'accept'));
}

/** Tell the server what the user accepted (one consent per template id); never fails. */
export async function reportConsent(accepted: string[], returnId?: string): Promise<void> {
  if (!accepted.length) return;
  await call('queryReturns', { action: 'subscribe', templateIds: accepted, ...(returnId ? { returnId } : {}) }, { toast: false }).catch(() => undefined);
}

/** A tap whose only purpose is consent (订阅进度提醒, 接收新售后提醒): ask, then report at once. */
export async function subscribeNow(scene: SubscribeScene, returnId?: string): Promise<string[]> {
  const accepted = await requestSubscribe(scene);
  await reportConsent(accepted, returnId);
  return accepted;
}

// ------------------------------------------------------------------ page state helpers

export interface PageState {
  loading: boolean;
  /** Inline error text (load failed). */
  error: string;
  /** Not the caller's (FORBIDDEN: another buyer's after-sale or order, or no staff role): show the 无权限 state. */
  forbidden: boolean;
  /** The server's Chinese reason for FORBIDDEN (e.g. 「这不是您的售后单，无权查看或操作」). */
  forbiddenText: string;
  empty: boolean;
}

export const INITIAL_STATE: PageState = Object.freeze({ loading: true, error: '', forbidden: false, forbiddenText: '', empty: false }) as PageState;

/** The page state after a failed read: FORBIDDEN → the 无权限 state with the server's reason, anything else → the inline error. */
export function failedState(e: unknown): PageState {
  const forbidden = e instanceof ApiError && e.code === 'FORBIDDEN';
  return { loading: false, error: forbidden ? '' : errorText(e), forbidden, forbiddenText: forbidden ? (e as ApiError).message || ERROR_TEXT.FORBIDDEN : '', empty: false };
}

type SetDataTarget = { setData(data: Record<string, any>, cb?: () => void): void };

/**
 * Run a read for a page: `state` goes loading → loaded / empty / error / forbidden.
 * Resolves with the data, or null when it failed (the page shows the state).
 */
export async function loadInto<T>(page: SetDataTarget, fn: () => Promise<T>, isEmpty: (v: T) => boolean = () => false): Promise<T | null> {
  page.setData({ state: { ...INITIAL_STATE } });
  try {
    const v = await fn();
    page.setData({ state: { ...INITIAL_STATE, loading: false, empty: isEmpty(v) } });
    return v;
  } catch (e) {
    page.setData({ state: failedState(e) });
    return null;
  }
}

// ------------------------------------------------------------------ shapes (see cloudfunctions/core/app/view.ts)

export interface Refusal {
  code: string;
  lineId?: string;
  message: string;
}

export interface PreviewData {
  eligible: boolean;
  refusals: Refusal[];
  amounts: { items: number; shipping: number; total: number } | null;
  lines: { lineId: string; quantity: number; amount: number }[];
  freightPayer: 'BUYER' | 'SELLER';
  deadline: string | null;
  windowEndsAt: string | null;
  /** Rejected after-sales of these lines that applying withdraws. */
  supersedes?: string[];
  /** 换货 (eligible): the replacements, who pays postage each way, how long the shop has to ship and the buyer to confirm. */
  exchange?: Jsonified<ExchangePreview> | null;
}

export interface TimelineEvent {
  at: string;
  actor: { role: string };
  action: string;
  actionLabel: string;
  from: string | null;
  fromLabel: string | null;
  to: string;
  toLabel: string;
  note?: string;
  evidence?: string[];
}

/**
 * An after-sale as the functions answer it (queryReturns get, every mutation's
 * `data.return`): the type of cloudfunctions/core/app/view.ts's returnView
 * after JSON, from the shared contract — never a hand copy.
 */
export type ReturnView = ReturnViewData;

export interface ReturnSummary {
  returnId: string;
  orderId: string;
  type: string;
  reason: string;
  status: string;
  statusLabel: string;
  nextActor: { role: string | null; phrase: string };
  deadline: string | null;
  overdue: boolean;
  dueToday: boolean;
  lines: { lineId: string; quantity: number; amount: number }[];
  refundAmount: number;
  /** Rejected before the goods were sent: applying again for its lines replaces it. */
  reapplicable?: boolean;
  /** Staff list: the buyer's messages no staff member has read yet. */
  unreadForStaff?: number;
  createdAt: string;
  updatedAt: string;
}
