/**
 * WeChat Pay sandbox behind `cloud.cloudPay.*` (Pay API v2 semantics, JSON instead of XML).
 *
 * Wire (wx-server-sdk 4.0.2): admin action `wx.wxPayApi`, multipart fields
 * `apiName` ('refund', 'queryRefund', ...), `requestData` = JSON bytes of the
 * call's data with keys converted camelCase → snake_case (so `functionName`
 * arrives as `function_name`), `apiOptions` = protobuf ApiOptions{1 appid}.
 * The reply must be raw bytes (not `application/json; charset=utf-8`): the SDK
 * JSON-parses it, converts snake_case → camelCase (`refund_status_0` becomes
 * `refundStatus_0`: digits are not camelCased) and then sets `errCode: 0,
 * errMsg: 'cloudPay.<api>:ok'` over it — so a v2 `err_code` never reaches the
 * function (it is overwritten by the SDK's errCode 0); `errCodeDes` does.
 * The SDK's request timeout is node-sdk's `timeout` (default 15000 ms, socket
 * inactivity), changeable only through `cloud.init({ timeout })`.
 *
 *   installPay(emu, opts?) → PaySandbox
 *     admin action wx.wxPayApi      refund, queryRefund (others: return_code FAIL)
 *     POST /_local/pay              script: { refund: [...], queryRefund: [...], callback: plan | [plans],
 *                                   callbackDefault: plan, payments: [{outTradeNo, amount}], config: {...}, reset }
 *     POST /_local/pay/flush        deliver every pending refund notification now → { data: [Delivery] }
 *     GET  /_local/pay              the sandbox state (refunds with their notification history)
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { AdminReply, Emulator, HttpResult } from '../types';
import { invokeDetailed } from '../functions';
import { decodeApiOptions, partBytes } from '../openapi/proto';
import { RecordLog, type RecordChange } from '../persist/records';

/** Re-delivery intervals after a failed delivery (WeChat Pay: up to about two days). */
export const REDELIVERY_SCHEDULE_MS = [15e3, 15e3, 30e3, 180e3, 600e3, 1200e3, 1800e3, 1800e3, 1800e3, 3600e3, 3 * 3600e3, 3 * 3600e3, 3 * 3600e3, 6 * 3600e3, 6 * 3600e3];

export const MAX_REFUNDS_PER_PAYMENT = 50;

/** Marks a refusal WeChat Pay gives as `return_code FAIL` (no result_code), e.g. refund_fee > total_fee. */
const RETURN_FAIL = '__RETURN_FAIL__';

export const ERR_DES: Record<string, string> = {
  SYSTEMERROR: '系统超时',
  BIZERR_NEED_RETRY: '退款业务流程错误，需要商户触发重试来解决',
  FREQUENCY_LIMITED: '频率限制，请稍后重试',
  ORDER_NOT_READY: '订单处理中，暂时无法退款，请稍后再试',
  NOTENOUGH: '基本账户余额不足，请充值后重新发起',
  USER_ACCOUNT_ABNORMAL: '退款请求失败，用户帐号注销',
  TRADE_OVERDUE: '订单已经超过退款期限',
  PARAM_ERROR: '参数错误',
  REFUND_FEE_MISMATCH: '订单金额或退款金额与之前请求不一致，请核实后再试',
  ORDERNOTEXIST: '订单不存在',
  INVALID_TRANSACTIONID: '无效transaction_id',
  INVALID_REQUEST: '申请退款金额超过可退金额',
  ERROR: '申请退款业务发生错误',
  REFUNDNOTEXIST: '退款订单查询失败',
};

export type FinalStatus = 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE';
export type RefundStatus = 'PROCESSING' | FinalStatus;

/** How the notification of a refund goes. */
export interface CallbackPlan {
  /** Final status of the refund, or NONE: the notification is dropped (the refund still ends, as `outcome`). */
  status?: FinalStatus | 'NONE';
  /** Outcome when status is NONE (default SUCCESS). */
  outcome?: FinalStatus;
  /** Extra copies delivered after the first accepted one. */
  duplicates?: number;
  /** Delay before the refund ends and is notified, ms on the emulator clock (default: config.notifyDelayMs). */
  delayMs?: number;
}

/** A scripted next reply to a refund / queryRefund call. */
export interface PayScript {
  /** Business failure: result_code FAIL with this err_code (SYSTEMERROR, NOTENOUGH, FREQUENCY_LIMITED, ...). */
  errCode?: string;
  errCodeDes?: string;
  /** Communication failure: return_code FAIL. */
  returnCode?: 'FAIL' | 'SUCCESS';
  returnMsg?: string;
  /** Hold the reply past the SDK's timeout (the call fails on the caller's side). */
  timeout?: boolean;
  /** How long to hold (default config.holdMs). */
  holdMs?: number;
  /** Whether the refund is really created despite the failure (default: true for timeout, false otherwise). */
  applied?: boolean;
}

export interface NotificationAttempt {
  at: string;
  attempt: number;
  duplicate?: boolean;
  ok: boolean;
  result?: unknown;
  error?: { errCode: number; errMsg: string };
  invocationId?: string;
}

export interface SandboxRefund {
  outRefundNo: string;
  outTradeNo: string;
  transactionId: string;
  refundId: string;
  totalFee: number;
  refundFee: number;
  functionName?: string;
  subMchId?: string;
  appid?: string;
  refundDesc?: string;
  status: RefundStatus;
  finalStatus: FinalStatus;
  createdAt: number;
  dueAt: number;
  endedAt?: number;
  notify: {
    deliver: boolean;
    duplicates: number;
    attempts: number;
    nextAt: number | null;
    delivered: boolean;
    gaveUp: boolean;
    history: NotificationAttempt[];
  };
}

export interface Payment {
  outTradeNo: string;
  amount: number;
  transactionId?: string;
  paidAt?: number;
}

export interface PayConfig {
  /** Delay before a refund ends and its notification is due (emulator clock). */
  notifyDelayMs: number;
  /** How long a `timeout` script holds the reply (must exceed the SDK's request timeout to be seen as one). */
  holdMs: number;
  /** Minimum gap between two refunds of one payment, emulator clock (default 60 000: WeChat Pay's "同一笔订单多次退款的请求需相隔1分钟"; 0 turns it off). */
  minIntervalMs: number;
  /** Real-time tick for due notifications while running. */
  tickMs: number;
}

export interface PayOptions extends Partial<PayConfig> {
  /** Start from an empty sandbox (ignore the persisted file). */
  reset?: boolean;
  /** Persist state under <dataDir>/pay (append-only log, as the database; default true). */
  persist?: boolean;
  mchId?: string;
}

export interface Delivery {
  outRefundNo: string;
  functionName?: string;
  attempt: number;
  duplicate: boolean;
  ok: boolean;
  status: RefundStatus;
  result?: unknown;
  error?: { errCode: number; errMsg: string };
}

export interface PaySandbox {
  refunds(): SandboxRefund[];
  script(input: Record<string, any>): Record<string, number>;
  /** Applies due state changes and delivers due notifications (what the clock listener and the ticker do). */
  tick(): Promise<Delivery[]>;
  /** Ends every processing refund now and delivers every pending notification once. */
  flush(): Promise<Delivery[]>;
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>;
}

interface PersistedState {
  version: 1;
  refunds: Record<string, SandboxRefund>;
  payments: Record<string, Payment>;
  seq: number;
}

/** 'YYYY-MM-DD HH:mm:ss' in UTC+8, as WeChat Pay writes times. */
export function payTime(ms: number): string {
  const d = new Date(ms + 8 * 3600e3);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function toInt(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

function toMs(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v && '$date' in v) return toMs((v as { $date: unknown }).$date);
  const t = new Date(String(v)).getTime();
  return Number.isNaN(t) ? undefined : t;
}

const installed = new WeakMap<Emulator, PaySandbox>();

export function installPay(emu: Emulator, opts: PayOptions = {}): PaySandbox {
  const already = installed.get(emu);
  if (already) return already;

  const config: PayConfig = {
    notifyDelayMs: opts.notifyDelayMs ?? 5000,
    holdMs: opts.holdMs ?? 16000,
    minIntervalMs: opts.minIntervalMs ?? 60_000,
    tickMs: opts.tickMs ?? 1000,
  };
  const mchId = opts.mchId ?? '1900000109';
  const persist = opts.persist !== false;
  // Same durability as the database: an append-only log written synchronously before any answer
  // (persist/records.ts) under <dataDir>/pay; a kill -9 after an accepted refund keeps the refund.
  const dir = path.join(emu.dataDir, 'pay');
  const legacyFile = path.join(emu.dataDir, 'pay-sandbox.json');
  const records = persist ? new RecordLog(dir, { log: (m) => process.stderr.write(`[pay] ${m}\n`) }) : undefined;

  let state: PersistedState = { version: 1, refunds: {}, payments: {}, seq: 0 };
  if (records && opts.reset) {
    records.wipe();
    rmSync(legacyFile, { force: true });
  }
  if (records) {
    const loaded = records.load();
    for (const [k, v] of loaded.get('refund') ?? []) state.refunds[k] = v as SandboxRefund;
    for (const [k, v] of loaded.get('payment') ?? []) state.payments[k] = v as Payment;
    const seq = loaded.get('meta')?.get('seq');
    if (typeof seq === 'number') state.seq = seq;
    // an older emulator kept one JSON file: take it over once
    if (!opts.reset && existsSync(legacyFile) && !loaded.size) {
      try {
        const old = JSON.parse(readFileSync(legacyFile, 'utf8'));
        if (old && old.version === 1) state = { ...state, ...old };
      } catch (e: any) {
        process.stderr.write(`[pay] ignoring unreadable pay-sandbox.json: ${e?.message}\n`);
      }
    }
    rmSync(legacyFile, { force: true });
  }

  const scripts = { refund: [] as PayScript[], queryRefund: [] as PayScript[], callback: [] as CallbackPlan[] };
  let callbackDefault: CallbackPlan = { status: 'SUCCESS', duplicates: 0 };
  const held = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const inFlight = new Map<string, Promise<Delivery[]>>();
  let closed = false;

  // ------------------------------------------------------------ persistence (append-only, synchronous)
  const written = new Map<string, string>();
  /** Appends whatever changed since the last call (one log line), before the caller answers anyone. */
  const save = (): void => {
    if (!records) return;
    const changes: RecordChange[] = [];
    const seen = new Set<string>();
    const put = (kind: string, key: string, value: unknown) => {
      const id = `${kind}\u0000${key}`;
      seen.add(id);
      const text = JSON.stringify(value);
      if (written.get(id) === text) return;
      written.set(id, text);
      changes.push([kind, key, value]);
    };
    for (const [k, r] of Object.entries(state.refunds)) put('refund', k, r);
    for (const [k, p] of Object.entries(state.payments)) put('payment', k, p);
    put('meta', 'seq', state.seq);
    for (const id of [...written.keys()]) {
      if (seen.has(id)) continue;
      written.delete(id);
      const [kind, key] = id.split('\u0000');
      changes.push([kind, key, null]);
    }
    try {
      records.write(changes);
    } catch (e: any) {
      process.stderr.write(`[pay] could not persist the sandbox: ${e?.message}\n`);
    }
  };
  save();

  // ------------------------------------------------------------ payments
  async function findPayment(outTradeNo: string | undefined, transactionId: string | undefined): Promise<Payment | undefined> {
    for (const p of Object.values(state.payments)) {
      if ((outTradeNo && p.outTradeNo === outTradeNo) || (transactionId && p.transactionId === transactionId)) return p;
    }
    let orders: Record<string, any>[] = [];
    try {
      orders = await emu.db.find('orders', outTradeNo ? { 'payments.outTradeNo': outTradeNo } : { 'payments.transactionId': transactionId });
    } catch {
      orders = [];
    }
    for (const o of orders) {
      for (const p of Array.isArray(o.payments) ? o.payments : []) {
        if ((outTradeNo && p?.outTradeNo === outTradeNo) || (transactionId && p?.transactionId === transactionId)) {
          const amount = toInt(p.amount);
          if (amount === undefined) continue;
          return { outTradeNo: p.outTradeNo, amount, transactionId: p.transactionId, paidAt: toMs(p.paidAt ?? o.paidAt) };
        }
      }
    }
    return undefined;
  }

  // ------------------------------------------------------------ replies
  const base = (data: Record<string, any>, appid?: string) => ({
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: appid ?? data.appid ?? '',
    mch_id: mchId,
    sub_mch_id: data.sub_mch_id ?? '',
    nonce_str: Math.random().toString(36).slice(2, 18),
    sign: 'EMULATOR',
  });
  const fail = (data: Record<string, any>, appid: string | undefined, code: string, des?: string) => ({
    ...base(data, appid),
    result_code: 'FAIL',
    err_code: code,
    err_code_des: des ?? ERR_DES[code] ?? code,
  });
  const raw = (body: unknown): AdminReply => ({ kind: 'raw', contentType: 'text/plain; charset=utf-8', body: Buffer.from(JSON.stringify(body)) });
  const refusal = (data: Record<string, any>, appid: string | undefined, code: string, des?: string) =>
    code === RETURN_FAIL ? { return_code: 'FAIL', return_msg: des ?? 'FAIL' } : fail(data, appid, code, des);

  function refundBody(r: SandboxRefund, data: Record<string, any>, appid?: string) {
    return {
      ...base(data, appid),
      result_code: 'SUCCESS',
      transaction_id: r.transactionId,
      out_trade_no: r.outTradeNo,
      out_refund_no: r.outRefundNo,
      refund_id: r.refundId,
      refund_channel: '',
      refund_fee: r.refundFee,
      settlement_refund_fee: r.refundFee,
      total_fee: r.totalFee,
      settlement_total_fee: r.totalFee,
      fee_type: 'CNY',
      cash_fee: r.totalFee,
      cash_refund_fee: r.refundFee,
      coupon_refund_fee: 0,
      coupon_refund_count: 0,
    };
  }

  // ------------------------------------------------------------ refund rules
  type Applied = { ok: true; refund: SandboxRefund; created: boolean } | { ok: false; code: string; des?: string };

  async function applyRefund(data: Record<string, any>, appid: string | undefined, now: number): Promise<Applied> {
    const outRefundNo = data.out_refund_no ? String(data.out_refund_no) : '';
    const outTradeNo = data.out_trade_no ? String(data.out_trade_no) : '';
    const transactionId = data.transaction_id ? String(data.transaction_id) : '';
    const totalFee = toInt(data.total_fee);
    const refundFee = toInt(data.refund_fee);
    if (!outRefundNo) return { ok: false, code: 'PARAM_ERROR', des: '缺少参数 out_refund_no' };
    if (!outTradeNo && !transactionId) return { ok: false, code: 'PARAM_ERROR', des: '缺少参数 out_trade_no 或 transaction_id' };
    if (totalFee === undefined || totalFee <= 0) return { ok: false, code: 'PARAM_ERROR', des: 'total_fee 必须为正整数（分）' };
    if (refundFee === undefined || refundFee <= 0) return { ok: false, code: 'PARAM_ERROR', des: 'refund_fee 必须为正整数（分）' };
    if (!/^[0-9A-Za-z_\-|*@]{1,64}$/.test(outRefundNo)) return { ok: false, code: 'PARAM_ERROR', des: 'out_refund_no 格式错误' };
    if (!data.function_name) return { ok: false, code: 'PARAM_ERROR', des: '缺少参数 functionName（接收退款结果通知的云函数）' };

    const existing = state.refunds[outRefundNo];
    if (existing) {
      if ((outTradeNo && existing.outTradeNo !== outTradeNo) || (transactionId && existing.transactionId !== transactionId)) {
        return { ok: false, code: 'PARAM_ERROR', des: 'out_refund_no 已用于另一笔支付订单' };
      }
      if (existing.refundFee !== refundFee || existing.totalFee !== totalFee) return { ok: false, code: 'REFUND_FEE_MISMATCH' };
      return { ok: true, refund: existing, created: false };
    }

    const payment = await findPayment(outTradeNo || undefined, transactionId || undefined);
    if (!payment) return { ok: false, code: 'ORDERNOTEXIST', des: '订单不存在（沙箱的 orders 集合与已登记的支付中都没有这笔 out_trade_no）' };
    if (totalFee !== payment.amount) return { ok: false, code: 'PARAM_ERROR', des: `total_fee 与支付金额不一致（支付 ${payment.amount} 分）` };
    if (payment.paidAt !== undefined && now - payment.paidAt > 365 * 24 * 3600e3) return { ok: false, code: 'TRADE_OVERDUE' };
    // a refund larger than the payment is refused at the communication level (return_code FAIL), as WeChat Pay answers it
    if (refundFee > totalFee) return { ok: false, code: RETURN_FAIL, des: 'invalid refund_fee' };
    const ofPayment = Object.values(state.refunds).filter((r) => r.outTradeNo === payment.outTradeNo);
    const live = ofPayment.filter((r) => r.finalStatus !== 'REFUNDCLOSE' || r.status === 'PROCESSING').reduce((s, r) => s + r.refundFee, 0);
    if (live >= payment.amount) return { ok: false, code: 'ERROR', des: '订单已全额退款' };
    if (ofPayment.length >= MAX_REFUNDS_PER_PAYMENT) return { ok: false, code: 'ERROR', des: `退款次数超过限制：每笔支付最多 ${MAX_REFUNDS_PER_PAYMENT} 次部分退款` };
    const refunded = ofPayment.filter((r) => r.finalStatus !== 'REFUNDCLOSE' || r.status === 'PROCESSING').reduce((s, r) => s + r.refundFee, 0);
    if (refunded + refundFee > payment.amount) {
      return { ok: false, code: 'INVALID_REQUEST', des: `申请退款金额超过可退金额（已退 ${refunded} 分，支付 ${payment.amount} 分）` };
    }
    if (config.minIntervalMs > 0) {
      const last = Math.max(0, ...ofPayment.map((r) => r.createdAt));
      if (now - last < config.minIntervalMs) return { ok: false, code: 'FREQUENCY_LIMITED', des: '频率限制：同一笔支付的两次退款需间隔1分钟' };
    }

    const plan = scripts.callback.shift() ?? callbackDefault;
    const finalStatus: FinalStatus = plan.status && plan.status !== 'NONE' ? plan.status : (plan.outcome ?? 'SUCCESS');
    state.seq++;
    const refund: SandboxRefund = {
      outRefundNo,
      outTradeNo: payment.outTradeNo,
      transactionId: payment.transactionId ?? `4200000${String(now).slice(-10)}${String(state.seq).padStart(5, '0')}`,
      refundId: `50300${String(now).slice(-10)}${String(state.seq).padStart(8, '0')}`,
      totalFee,
      refundFee,
      functionName: String(data.function_name),
      subMchId: data.sub_mch_id,
      appid,
      refundDesc: data.refund_desc,
      status: 'PROCESSING',
      finalStatus,
      createdAt: now,
      dueAt: now + Math.max(0, plan.delayMs ?? config.notifyDelayMs),
      notify: {
        deliver: plan.status !== 'NONE',
        duplicates: Math.max(0, Math.floor(plan.duplicates ?? 0)),
        attempts: 0,
        nextAt: null,
        delivered: false,
        gaveUp: false,
        history: [],
      },
    };
    state.refunds[outRefundNo] = refund;
    save();
    return { ok: true, refund, created: true };
  }

  async function holdReply(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          held.delete(entry);
          resolve();
        }, ms),
        resolve: () => {
          clearTimeout(entry.timer);
          held.delete(entry);
          resolve();
        },
      };
      held.add(entry);
    });
  }

  async function refundCall(data: Record<string, any>, appid: string | undefined): Promise<AdminReply> {
    const now = emu.clock.now();
    const s = scripts.refund.shift();
    if (s) {
      const apply = s.applied ?? !!s.timeout;
      const applied = apply ? await applyRefund(data, appid, now) : undefined;
      if (s.timeout) {
        await holdReply(s.holdMs ?? config.holdMs);
        if (s.errCode) return raw(fail(data, appid, s.errCode, s.errCodeDes));
        return raw(applied && applied.ok ? refundBody(applied.refund, data, appid) : applied ? refusal(data, appid, applied.code, applied.des) : fail(data, appid, 'SYSTEMERROR'));
      }
      if (s.returnCode === 'FAIL') return raw({ return_code: 'FAIL', return_msg: s.returnMsg ?? 'SYSTEMERROR' });
      if (s.errCode) return raw(fail(data, appid, s.errCode, s.errCodeDes));
    }
    const r = await applyRefund(data, appid, now);
    return raw(r.ok ? refundBody(r.refund, data, appid) : refusal(data, appid, r.code, r.des));
  }

  async function queryRefundCall(data: Record<string, any>, appid: string | undefined): Promise<AdminReply> {
    applyDue(emu.clock.now());
    const s = scripts.queryRefund.shift();
    if (s) {
      if (s.timeout) await holdReply(s.holdMs ?? config.holdMs);
      if (s.returnCode === 'FAIL') return raw({ return_code: 'FAIL', return_msg: s.returnMsg ?? 'SYSTEMERROR' });
      if (s.errCode) return raw(fail(data, appid, s.errCode, s.errCodeDes));
    }
    const all = Object.values(state.refunds);
    let list: SandboxRefund[] = [];
    if (data.out_refund_no) list = all.filter((r) => r.outRefundNo === String(data.out_refund_no));
    else if (data.refund_id) list = all.filter((r) => r.refundId === String(data.refund_id));
    else if (data.out_trade_no) list = all.filter((r) => r.outTradeNo === String(data.out_trade_no));
    else if (data.transaction_id) list = all.filter((r) => r.transactionId === String(data.transaction_id));
    else return raw(fail(data, appid, 'PARAM_ERROR', '缺少查询参数（out_refund_no / out_trade_no / refund_id / transaction_id）'));
    if (!list.length) return raw(fail(data, appid, 'REFUNDNOTEXIST'));
    list.sort((a, b) => a.createdAt - b.createdAt);
    const first = list[0];
    const body: Record<string, unknown> = {
      ...base(data, appid),
      result_code: 'SUCCESS',
      transaction_id: first.transactionId,
      out_trade_no: first.outTradeNo,
      total_fee: first.totalFee,
      settlement_total_fee: first.totalFee,
      fee_type: 'CNY',
      cash_fee: first.totalFee,
      refund_fee: list.reduce((s2, r) => s2 + (r.status === 'REFUNDCLOSE' ? 0 : r.refundFee), 0),
      refund_count: list.length,
    };
    list.forEach((r, i) => {
      body[`out_refund_no_${i}`] = r.outRefundNo;
      body[`refund_id_${i}`] = r.refundId;
      body[`refund_channel_${i}`] = 'ORIGINAL';
      body[`refund_fee_${i}`] = r.refundFee;
      body[`settlement_refund_fee_${i}`] = r.refundFee;
      body[`coupon_refund_count_${i}`] = 0;
      body[`refund_status_${i}`] = r.status;
      body[`refund_account_${i}`] = 'REFUND_SOURCE_UNSETTLED_FUNDS';
      body[`refund_recv_accout_${i}`] = '支付用户的零钱';
      if (r.status === 'SUCCESS' && r.endedAt !== undefined) body[`refund_success_time_${i}`] = payTime(r.endedAt);
    });
    return raw(body);
  }

  emu.registerAction('wx.wxPayApi', async (req) => {
    const apiName = String(req.params.apiName ?? '');
    const bytes = partBytes(req.files, req.params, 'requestData');
    let data: Record<string, any> = {};
    if (bytes && bytes.length) {
      try {
        data = JSON.parse(bytes.toString('utf8'));
      } catch {
        return { kind: 'json', body: { code: 'INVALID_PARAM', message: 'requestData is not JSON' } };
      }
    }
    const { appid } = decodeApiOptions(partBytes(req.files, req.params, 'apiOptions'));
    if (apiName === 'refund') return refundCall(data, appid);
    if (apiName === 'queryRefund') return queryRefundCall(data, appid);
    return raw({ return_code: 'FAIL', return_msg: `cloudPay.${apiName} is not emulated (refund, queryRefund)` });
  });

  // ------------------------------------------------------------ notifications
  function applyDue(now: number, force = false): void {
    let changed = false;
    for (const r of Object.values(state.refunds)) {
      if (r.status === 'PROCESSING' && (force || r.dueAt <= now)) {
        r.status = r.finalStatus;
        r.endedAt = force ? Math.min(now, r.dueAt) : r.dueAt;
        if (r.notify.deliver && r.functionName) r.notify.nextAt = r.endedAt;
        changed = true;
      }
    }
    if (changed) save();
  }

  function notificationEvent(r: SandboxRefund): Record<string, unknown> {
    const ev: Record<string, unknown> = {
      returnCode: 'SUCCESS',
      appid: r.appid ?? '',
      mchId: mchId,
      subMchId: r.subMchId ?? '',
      nonceStr: Math.random().toString(36).slice(2, 18),
      transactionId: r.transactionId,
      outTradeNo: r.outTradeNo,
      refundId: r.refundId,
      outRefundNo: r.outRefundNo,
      totalFee: r.totalFee,
      settlementTotalFee: r.totalFee,
      refundFee: r.refundFee,
      settlementRefundFee: r.refundFee,
      refundStatus: r.status,
      refundRecvAccout: '支付用户的零钱',
      refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
      refundRequestSource: 'API',
    };
    if (r.status === 'SUCCESS' && r.endedAt !== undefined) ev.successTime = payTime(r.endedAt);
    return ev;
  }

  async function attemptOnce(r: SandboxRefund, duplicate: boolean): Promise<Delivery> {
    const out = await invokeDetailed(emu, r.functionName!, notificationEvent(r), { source: 'wx_paycallback' });
    const value: any = out.ok ? out.value : undefined;
    const ok = out.ok && !!value && typeof value === 'object' && value.errcode === 0;
    const attempt: NotificationAttempt = {
      at: new Date(emu.clock.now()).toISOString(),
      attempt: duplicate ? r.notify.attempts : r.notify.attempts + 1,
      duplicate: duplicate || undefined,
      ok,
      result: out.ok ? value : undefined,
      error: out.ok ? undefined : { errCode: out.error!.errCode, errMsg: out.error!.errMsg },
      invocationId: out.id,
    };
    r.notify.history.push(attempt);
    if (r.notify.history.length > 100) r.notify.history.splice(0, r.notify.history.length - 100);
    return {
      outRefundNo: r.outRefundNo,
      functionName: r.functionName,
      attempt: attempt.attempt,
      duplicate,
      ok,
      status: r.status,
      result: attempt.result,
      error: attempt.error,
    };
  }

  /** One delivery (plus the scripted duplicates once accepted); schedules the next try on failure. */
  function deliver(r: SandboxRefund): Promise<Delivery[]> {
    const running = inFlight.get(r.outRefundNo);
    if (running !== undefined) return running;
    const p = (async () => {
      const out: Delivery[] = [];
      const d = await attemptOnce(r, false);
      r.notify.attempts++;
      out.push(d);
      if (d.ok) {
        r.notify.delivered = true;
        r.notify.nextAt = null;
        for (let i = 0; i < r.notify.duplicates && !closed; i++) out.push(await attemptOnce(r, true));
        r.notify.duplicates = 0;
      } else {
        const gap = REDELIVERY_SCHEDULE_MS[r.notify.attempts - 1];
        if (gap === undefined) {
          r.notify.gaveUp = true;
          r.notify.nextAt = null;
        } else r.notify.nextAt = emu.clock.now() + gap;
      }
      save();
      return out;
    })().finally(() => inFlight.delete(r.outRefundNo));
    inFlight.set(r.outRefundNo, p);
    return p;
  }

  const pending = (r: SandboxRefund) => r.notify.deliver && !!r.functionName && !r.notify.delivered && !r.notify.gaveUp && r.status !== 'PROCESSING';

  async function tick(): Promise<Delivery[]> {
    if (closed) return [];
    const now = emu.clock.now();
    applyDue(now);
    const due = Object.values(state.refunds).filter((r) => pending(r) && r.notify.nextAt !== null && r.notify.nextAt <= now && !inFlight.has(r.outRefundNo));
    const results = await Promise.all(due.map((r) => deliver(r)));
    return results.flat();
  }

  async function flush(): Promise<Delivery[]> {
    await Promise.all([...inFlight.values()]);
    applyDue(emu.clock.now(), true);
    const list = Object.values(state.refunds).filter(pending);
    const results = await Promise.all(list.map((r) => deliver(r)));
    return results.flat();
  }

  const runTick = () => {
    tick().catch((e) => process.stderr.write(`[pay] notification tick failed: ${e?.stack ?? e}\n`));
  };
  const unsubscribe = emu.clock.onChange(runTick);
  const ticker = setInterval(runTick, config.tickMs);
  ticker.unref();

  // ------------------------------------------------------------ scripting
  function script(input: Record<string, any>): Record<string, number> {
    if (input.reset === true) {
      state = { version: 1, refunds: {}, payments: {}, seq: 0 };
      scripts.refund.splice(0);
      scripts.queryRefund.splice(0);
      scripts.callback.splice(0);
      callbackDefault = { status: 'SUCCESS', duplicates: 0 };
      save();
    }
    const list = <T>(v: unknown): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? (v as T[]) : [v as T]);
    scripts.refund.push(...list<PayScript>(input.refund));
    scripts.queryRefund.push(...list<PayScript>(input.queryRefund));
    scripts.callback.push(...list<CallbackPlan>(input.callback));
    if (input.callbackDefault) callbackDefault = { ...input.callbackDefault };
    for (const p of list<any>(input.payments)) {
      const amount = toInt(p.amount);
      if (!p.outTradeNo || amount === undefined) continue;
      state.payments[String(p.outTradeNo)] = { outTradeNo: String(p.outTradeNo), amount, transactionId: p.transactionId, paidAt: toMs(p.paidAt) };
      save();
    }
    if (input.config && typeof input.config === 'object') {
      for (const k of ['notifyDelayMs', 'holdMs', 'minIntervalMs'] as const) {
        if (typeof input.config[k] === 'number') config[k] = input.config[k];
      }
    }
    return { refund: scripts.refund.length, queryRefund: scripts.queryRefund.length, callback: scripts.callback.length };
  }

  const sandbox: PaySandbox = {
    refunds: () => Object.values(state.refunds),
    script,
    tick,
    flush,
    idle: async () => {
      while (inFlight.size) await Promise.all([...inFlight.values()]);
    },
  };
  installed.set(emu, sandbox);

  const readJson = (body: Buffer): any => (body.length ? JSON.parse(body.toString('utf8')) : {});

  emu.registerRoute('POST', '/_local/pay', async (_req, body): Promise<HttpResult> => {
    let input: any;
    try {
      input = readJson(body);
    } catch {
      return { status: 400, json: { errCode: 400, errMsg: 'body is not JSON' } };
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) return { status: 400, json: { errCode: 400, errMsg: 'expected an object' } };
    return { status: 200, json: { ok: true, queued: script(input), config } };
  });

  emu.registerRoute('POST', '/_local/pay/flush', async (): Promise<HttpResult> => ({ status: 200, json: { data: await flush() } }));

  emu.registerRoute('GET', '/_local/pay', async (): Promise<HttpResult> => {
    applyDue(emu.clock.now());
    return {
      status: 200,
      json: {
        data: Object.values(state.refunds),
        payments: Object.values(state.payments),
        scripts: { refund: scripts.refund, queryRefund: scripts.queryRefund, callback: scripts.callback, callbackDefault },
        config,
      },
    };
  });

  emu.onClose(async () => {
    closed = true;
    unsubscribe();
    clearInterval(ticker);
    for (const h of [...held]) h.resolve();
    await Promise.all([...inFlight.values()].map((p) => p.catch(() => undefined)));
    save();
    records?.close();
  });

  return sandbox;
}
