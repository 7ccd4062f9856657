/**
 * Classification of WeChat Pay (API v2 through cloudPay) refund responses
 * (domain.md "Refunds", platform.md "WeChat Pay through cloudPay"). Pure.
 *
 * Principles:
 * - accepted ≠ refunded: a successful submit is PROCESSING, never SUCCESS;
 * - an outcome is never guessed: thrown errors, timeouts, SYSTEMERROR, empty
 *   or unrecognised answers are UNKNOWN ⇒ query before doing anything else;
 * - transient errors are RETRY (same out_refund_no, with backoff);
 * - definite refusals are FAILED ⇒ hand to the merchant (REFUND_FAILED).
 *
 * Field names: the SDK converts the platform's snake_case to camelCase
 * (`refund_status_0` → `refundStatus_0`, `err_code_des` → `errCodeDes`) and
 * then OVERWRITES `errCode` with the numeric SDK status 0 — so the business
 * code of a real response may be lost and only `errCodeDes` (Chinese text)
 * survives. Both spellings are read (keys are compared lower-cased without
 * underscores); a numeric errCode is ignored; when no code survives, the code
 * is taken from a literal code in errCodeDes/returnMsg, or, for errCodeDes
 * only, from a few unambiguous Chinese phrases of the platform's descriptions
 * (result flag `inferred: true`).
 */

export const REFUND_ARRIVAL_HINT = '通常1-3个工作日到账';

export type SubmitOutcome = 'PROCESSING' | 'UNKNOWN' | 'RETRY' | 'FAILED' | 'CLOSED';

export interface SubmitClassification {
  outcome: SubmitOutcome;
  /** Business code (e.g. NOTENOUGH), or SDK error code for thrown errors. */
  code?: string;
  /** Chinese, fit for the merchant. */
  message: string;
  /** The code was read from the description text, not from a code field. */
  inferred?: boolean;
}

/**
 * Business error codes of the v2 refund API and what they mean for us.
 * The submit classification never yields CLOSED (v2 refund reports no such
 * code); CLOSED comes from queries and notifications (REFUNDCLOSE). It stays in
 * the union so callers handle one vocabulary.
 */
export const SUBMIT_CODE_OUTCOMES: Readonly<Record<string, Exclude<SubmitOutcome, 'PROCESSING'>>> = Object.freeze({
  SYSTEMERROR: 'UNKNOWN',
  BIZERR_NEED_RETRY: 'RETRY',
  FREQUENCY_LIMITED: 'RETRY',
  ORDER_NOT_READY: 'RETRY',
  INVALID_REQ_TOO_MUCH: 'RETRY',
  NOTENOUGH: 'FAILED',
  USER_ACCOUNT_ABNORMAL: 'FAILED',
  TRADE_OVERDUE: 'FAILED',
  INVALID_REQUEST: 'FAILED',
  PARAM_ERROR: 'FAILED',
  REFUND_FEE_MISMATCH: 'FAILED',
  ERROR: 'FAILED',
  INVALID_TRANSACTIONID: 'FAILED',
  APPID_NOT_EXIST: 'FAILED',
  MCHID_NOT_EXIST: 'FAILED',
  SIGNERROR: 'FAILED',
  XML_FORMAT_ERROR: 'FAILED',
  REQUIRE_POST_METHOD: 'FAILED',
  POST_DATA_EMPTY: 'FAILED',
  NOAUTH: 'FAILED',
  CERT_ERROR: 'FAILED',
  ORDERNOTEXIST: 'FAILED',
});

const CODE_MESSAGES: Readonly<Record<string, string>> = Object.freeze({
  SYSTEMERROR: '支付平台系统繁忙，退款结果未知，将查询确认',
  BIZERR_NEED_RETRY: '支付平台要求重试，系统将自动重试',
  FREQUENCY_LIMITED: '退款请求过于频繁，系统将稍后自动重试',
  ORDER_NOT_READY: '订单暂不能退款，系统将稍后自动重试',
  INVALID_REQ_TOO_MUCH: '无效请求过多，系统将稍后自动重试',
  NOTENOUGH: '商户账户余额不足，请充值后重新发起退款',
  USER_ACCOUNT_ABNORMAL: '买家账户异常，无法原路退回，请线下退款并登记',
  TRADE_OVERDUE: '订单已超过可退款期限，请线下退款并登记',
  INVALID_REQUEST: '退款请求无效（如退款金额超过可退金额）',
  PARAM_ERROR: '退款参数错误',
  REFUND_FEE_MISMATCH: '同一退款单号的金额与之前不一致',
  ERROR: '支付平台拒绝退款（如订单已全额退款）',
  INVALID_TRANSACTIONID: '支付订单号无效',
  APPID_NOT_EXIST: '商户配置错误（APPID不存在）',
  MCHID_NOT_EXIST: '商户配置错误（商户号不存在）',
  SIGNERROR: '商户配置错误（签名错误）',
  XML_FORMAT_ERROR: '退款请求格式错误',
  REQUIRE_POST_METHOD: '退款请求方式错误',
  POST_DATA_EMPTY: '退款请求内容为空',
  NOAUTH: '商户无退款权限',
  CERT_ERROR: '商户证书错误',
  ORDERNOTEXIST: '支付订单不存在',
  REFUNDNOTEXIST: '退款单不存在',
});

/** Phrases of the platform's err_code_des, used only when no code field survives. */
const DESCRIPTION_CODES: ReadonlyArray<[RegExp, string]> = [
  [/余额不足/, 'NOTENOUGH'],
  [/(账|帐)(户|号)(状态)?异常|(账|帐)(户|号)(已)?注销|已注销/, 'USER_ACCOUNT_ABNORMAL'],
  [/超过(可)?退款期限|超过退款时间/, 'TRADE_OVERDUE'],
  [/与之前请求不一致|金额不一致/, 'REFUND_FEE_MISMATCH'],
  [/已全额退款/, 'ERROR'],
  [/大于可退金额|超过可退金额/, 'INVALID_REQUEST'],
  [/频率/, 'FREQUENCY_LIMITED'],
  // Before the generic "请稍后重试": SYSTEMERROR's own text is 「系统超时，请稍后重试」 (outcome unknown ⇒ query).
  [/系统超时|系统错误|系统繁忙/, 'SYSTEMERROR'],
  [/需要?商户触发重试|请稍后(再)?(重)?试/, 'BIZERR_NEED_RETRY'],
];

// ---------------------------------------------------------------- reading

type Norm = Map<string, unknown[]>;

const normKey = (k: string) => k.toLowerCase().replace(/_/g, '');

function isObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date);
}

function normalize(obj: Record<string, unknown>): Norm {
  const m: Norm = new Map();
  for (const [k, v] of Object.entries(obj)) {
    const nk = normKey(k);
    const list = m.get(nk);
    if (list) list.push(v);
    else m.set(nk, [v]);
  }
  return m;
}

/** First non-empty string (numbers converted) among the spellings of a field. */
function str(m: Norm, key: string): string | undefined {
  for (const v of m.get(key) ?? []) {
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

function upper(m: Norm, key: string): string | undefined {
  return str(m, key)?.toUpperCase();
}

const KNOWN_CODES = new Set([...Object.keys(SUBMIT_CODE_OUTCOMES), 'REFUNDNOTEXIST']);

/** Business error code: a code field (strings only: the SDK's numeric errCode is not one), else a literal code in a text. */
function businessCode(m: Norm, patterns: ReadonlyArray<[RegExp, string]> = DESCRIPTION_CODES): { code?: string; inferred?: boolean } {
  for (const key of ['errcode', 'errorcode']) {
    for (const v of m.get(key) ?? []) {
      if (typeof v === 'string' && v.trim() && v.trim() !== '0' && v.trim().toUpperCase() !== 'SUCCESS') {
        return { code: v.trim().toUpperCase() };
      }
    }
  }
  for (const key of ['errcodedes', 'returnmsg']) {
    const text = str(m, key);
    if (!text) continue;
    const token = text
      .toUpperCase()
      .match(/[A-Z_]{4,}/g)
      ?.find((t) => KNOWN_CODES.has(t));
    if (token) return { code: token };
  }
  const des = str(m, 'errcodedes');
  if (des) {
    for (const [re, code] of patterns) if (re.test(des)) return { code, inferred: true };
  }
  return {};
}

function describe(m: Norm): string | undefined {
  return str(m, 'errcodedes') ?? str(m, 'returnmsg') ?? str(m, 'errmsg');
}

/** An SDK / network error (thrown), as opposed to a platform answer. */
function isThrownError(x: unknown, m: Norm | null): boolean {
  if (x instanceof Error) return true;
  if (!m) return false;
  if (m.has('returncode') || m.has('resultcode')) return false;
  const errCode = (m.get('errcode') ?? []).find((v) => typeof v === 'number');
  if (typeof errCode === 'number') return errCode !== 0;
  const errMsg = str(m, 'errmsg');
  return !!errMsg && !/:ok$/i.test(errMsg);
}

function thrownCode(x: unknown): string {
  const o = x as Record<string, unknown> | null;
  const c = o?.errCode ?? o?.code ?? o?.errno;
  return c === undefined || c === null || c === '' ? 'NETWORK' : String(c);
}

/** Unwrap `{ result: {...} }` / `{ data: {...} }` when the answer fields are inside. */
function unwrap(x: Record<string, unknown>): Record<string, unknown> {
  const m = normalize(x);
  if (m.has('returncode') || m.has('resultcode')) return x;
  for (const k of ['result', 'data']) {
    const inner = x[k];
    if (isObject(inner)) {
      const im = normalize(inner);
      if (im.has('returncode') || im.has('resultcode')) return inner;
    }
  }
  return x;
}

// ---------------------------------------------------------------- submit

/**
 * Classify what `cloud.cloudPay.refund` returned, or what it threw.
 * 1. thrown error / no answer (network, timeout, SDK error) ⇒ UNKNOWN;
 * 2. returnCode SUCCESS && resultCode SUCCESS ⇒ PROCESSING;
 * 3. a recognised business code ⇒ its outcome (SUBMIT_CODE_OUTCOMES);
 * 4. returnCode FAIL (communication level) without a recognised code ⇒ RETRY;
 * 5. an unrecognised code, resultCode FAIL without code, missing fields ⇒ UNKNOWN.
 */
export function classifyRefundSubmit(resp: unknown): SubmitClassification {
  if (!isObject(resp) && !(resp instanceof Error)) {
    return { outcome: 'UNKNOWN', message: '支付平台无响应，退款结果未知，将查询确认' };
  }
  const body = resp instanceof Error ? null : unwrap(resp);
  const m = body ? normalize(body) : null;
  if (!m || isThrownError(resp, m)) {
    return { outcome: 'UNKNOWN', code: thrownCode(resp), message: '支付平台请求异常，退款结果未知，将查询确认' };
  }
  const returnCode = upper(m, 'returncode');
  const resultCode = upper(m, 'resultcode');
  if (returnCode === 'SUCCESS' && resultCode === 'SUCCESS') {
    return { outcome: 'PROCESSING', message: `退款已受理，${REFUND_ARRIVAL_HINT}` };
  }
  const { code, inferred } = businessCode(m);
  const des = describe(m);
  const extra = inferred ? { inferred: true } : {};
  if (code && SUBMIT_CODE_OUTCOMES[code]) {
    return { outcome: SUBMIT_CODE_OUTCOMES[code], code, message: CODE_MESSAGES[code] ?? des ?? code, ...extra };
  }
  if (returnCode === 'FAIL') {
    return {
      outcome: 'RETRY',
      ...(code ? { code } : {}),
      message: `支付平台通信失败，系统将自动重试${des ? `（${des}）` : ''}`,
    };
  }
  return {
    outcome: 'UNKNOWN',
    ...(code ? { code } : {}),
    message: `支付平台返回无法识别的结果，将查询确认${des ? `（${des}）` : ''}`,
  };
}

// ---------------------------------------------------------------- query

export type QueryStatus = 'SUCCESS' | 'PROCESSING' | 'ABNORMAL' | 'CLOSED' | 'UNKNOWN' | 'NOT_FOUND';

export interface QueryClassification {
  status: QueryStatus;
  outRefundNo?: string;
  refundId?: string;
  /** refund_fee seen for this refund (fen). */
  refundFee?: number;
  successTime?: string;
  code?: string;
  message: string;
  /** REFUNDNOTEXIST was read from the description text (the SDK overwrites errCode). */
  inferred?: boolean;
}

/**
 * refundquery descriptions: REFUNDNOTEXIST (退款订单查询失败 / not exist) then
 * the submit phrases. NOT_FOUND only leads to resubmitting the SAME
 * out_refund_no, which the platform refunds at most once.
 */
const QUERY_DESCRIPTION_CODES: ReadonlyArray<[RegExp, string]> = [[/退款订单查询失败|退款单不存在|refund\s*not\s*exist/i, 'REFUNDNOTEXIST'], ...DESCRIPTION_CODES];

/** v2 refund_status (SUCCESS/PROCESSING/CHANGE/REFUNDCLOSE) and v3 status (ABNORMAL/CLOSED) ⇒ ours. */
export function mapRefundStatus(s: unknown): 'SUCCESS' | 'PROCESSING' | 'ABNORMAL' | 'CLOSED' | 'UNKNOWN' {
  switch (typeof s === 'string' ? s.trim().toUpperCase() : '') {
    case 'SUCCESS':
      return 'SUCCESS';
    case 'PROCESSING':
      return 'PROCESSING';
    case 'CHANGE':
    case 'ABNORMAL':
      return 'ABNORMAL';
    case 'REFUNDCLOSE':
    case 'CLOSED':
      return 'CLOSED';
    default:
      return 'UNKNOWN';
  }
}

function toFen(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

interface Entry {
  outRefundNo?: string;
  refundId?: string;
  status?: string;
  fee?: unknown;
  successTime?: string;
}

function entryFrom(m: Norm, suffix: string, statusKeys: string[]): Entry {
  let status: string | undefined;
  for (const k of statusKeys) {
    status = str(m, k + suffix);
    if (status) break;
  }
  return {
    outRefundNo: str(m, 'outrefundno' + suffix),
    refundId: str(m, 'refundid' + suffix),
    status,
    fee: (m.get('refundfee' + suffix) ?? [])[0],
    successTime: str(m, 'refundsuccesstime' + suffix) ?? str(m, 'successtime' + suffix),
  };
}

function entries(body: Record<string, unknown>): Entry[] {
  const m = normalize(body);
  const out: Entry[] = [];
  // v2 indexed form: out_refund_no_0, refund_status_0, refund_fee_0, ... (camel: outRefundNo_0 …)
  const indexes = new Set<string>();
  for (const k of m.keys()) {
    const hit = k.match(/^(outrefundno|refundstatus|refundfee|refundid)(\d+)$/);
    if (hit) indexes.add(hit[2]);
  }
  for (const n of [...indexes].sort((a, b) => Number(a) - Number(b))) out.push(entryFrom(m, n, ['refundstatus']));
  // list form: [{ out_refund_no, refund_status, refund_fee }]
  for (const v of Object.values(body)) {
    if (!Array.isArray(v)) continue;
    for (const item of v) {
      if (!isObject(item)) continue;
      const im = normalize(item);
      if (im.has('outrefundno') || im.has('refundstatus')) out.push(entryFrom(im, '', ['refundstatus', 'status']));
    }
  }
  // single form (v3-like / already flattened): out_refund_no + refund_status (or status)
  if (m.has('refundstatus') || (m.has('outrefundno') && m.has('status'))) {
    out.push(entryFrom(m, '', ['refundstatus', 'status']));
  }
  return out;
}

/**
 * Classify `cloud.cloudPay.queryRefund` for `outRefundNo`.
 * REFUNDNOTEXIST ⇒ NOT_FOUND (never accepted: resubmitting the same number is
 * safe); errors, FAIL, empty lists, no entry for this number, unknown statuses
 * ⇒ UNKNOWN. Without `outRefundNo`, a single entry is taken, several ⇒ UNKNOWN.
 */
export function classifyRefundQuery(resp: unknown, outRefundNo?: string): QueryClassification {
  if (!isObject(resp) && !(resp instanceof Error)) {
    return { status: 'UNKNOWN', message: '查询无响应，退款状态未知' };
  }
  const body = resp instanceof Error ? null : unwrap(resp);
  const m = body ? normalize(body) : null;
  if (!body || !m || isThrownError(resp, m)) {
    return { status: 'UNKNOWN', code: thrownCode(resp), message: '查询退款请求异常，退款状态未知' };
  }
  const returnCode = upper(m, 'returncode');
  const resultCode = upper(m, 'resultcode');
  const { code, inferred } = businessCode(m, QUERY_DESCRIPTION_CODES);
  if (code === 'REFUNDNOTEXIST' && !(returnCode === 'SUCCESS' && resultCode === 'SUCCESS')) {
    return {
      status: 'NOT_FOUND',
      code,
      message: '支付平台没有该退款单，可使用同一退款单号重新提交',
      ...(inferred ? { inferred: true } : {}),
    };
  }
  if (returnCode === 'FAIL' || resultCode === 'FAIL') {
    return { status: 'UNKNOWN', ...(code ? { code } : {}), message: `查询退款失败，退款状态未知${describe(m) ? `（${describe(m)}）` : ''}` };
  }
  const list = entries(body);
  let entry: Entry | undefined;
  if (outRefundNo) {
    entry = list.find((e) => e.outRefundNo === outRefundNo);
    if (!entry && list.length === 1 && !list[0].outRefundNo) entry = list[0];
  } else if (list.length === 1) {
    entry = list[0];
  }
  if (!entry) {
    return {
      status: 'UNKNOWN',
      ...(outRefundNo ? { outRefundNo } : {}),
      message: list.length ? '查询结果中没有该退款单，退款状态未知' : '查询结果为空，退款状态未知',
    };
  }
  const status = mapRefundStatus(entry.status);
  const result: QueryClassification = { status, message: QUERY_MESSAGES[status] };
  const no = entry.outRefundNo ?? outRefundNo;
  if (no) result.outRefundNo = no;
  if (entry.refundId) result.refundId = entry.refundId;
  const fee = toFen(entry.fee);
  if (fee !== undefined) result.refundFee = fee;
  if (entry.successTime) result.successTime = entry.successTime;
  return result;
}

const QUERY_MESSAGES: Readonly<Record<QueryStatus, string>> = Object.freeze({
  SUCCESS: '退款成功，款项已原路退回',
  PROCESSING: `退款处理中，${REFUND_ARRIVAL_HINT}`,
  ABNORMAL: '退款异常（买家账户或银行卡异常），需要商户处理',
  CLOSED: '退款已关闭，可重新发起退款',
  UNKNOWN: '退款状态未知',
  NOT_FOUND: '支付平台没有该退款单',
});

// ---------------------------------------------------------------- notification

export type NotificationStatus = 'SUCCESS' | 'ABNORMAL' | 'CLOSED' | 'UNKNOWN';

/**
 * Refund notification status: SUCCESS (still to be confirmed by a query
 * before marking the refund SUCCESS), CHANGE ⇒ ABNORMAL, REFUNDCLOSE ⇒ CLOSED,
 * anything else ⇒ UNKNOWN. Takes the status string or the whole notification.
 */
export function classifyNotification(statusOrEvent: unknown): NotificationStatus {
  const s = isObject(statusOrEvent) ? readRefundNotification(statusOrEvent).refundStatus : statusOrEvent;
  const mapped = mapRefundStatus(s);
  return mapped === 'PROCESSING' ? 'UNKNOWN' : mapped;
}

export interface RefundNotification {
  outRefundNo?: string;
  outTradeNo?: string;
  refundId?: string;
  refundFee?: number;
  settlementRefundFee?: number;
  totalFee?: number;
  refundStatus?: string;
  successTime?: string;
  refundRecvAccout?: string;
}

/** Read a refund notification event (camelCase or snake_case keys). Never trusted alone: confirm by query. */
export function readRefundNotification(event: unknown): RefundNotification {
  if (!isObject(event)) return {};
  const m = normalize(event);
  const out: RefundNotification = {};
  const s = (k: keyof RefundNotification, nk: string) => {
    const v = str(m, nk);
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  };
  const n = (k: keyof RefundNotification, nk: string) => {
    const v = toFen((m.get(nk) ?? [])[0]);
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  };
  s('outRefundNo', 'outrefundno');
  s('outTradeNo', 'outtradeno');
  s('refundId', 'refundid');
  n('refundFee', 'refundfee');
  n('settlementRefundFee', 'settlementrefundfee');
  n('totalFee', 'totalfee');
  s('refundStatus', 'refundstatus');
  s('successTime', 'successtime');
  s('refundRecvAccout', 'refundrecvaccout');
  if (out.refundStatus) out.refundStatus = out.refundStatus.toUpperCase();
  return out;
}

// ---------------------------------------------------------------- retry

export const RETRY_BASE_MS = 60_000;
export const RETRY_CAP_MS = 3_600_000;

/** Wait before retry number `tries` (tries = attempts made so far, ≥ 1): 1 min, 2, 4, 8, 16, 32, then 1 h. */
export function retryBackoff(tries: number): number {
  const n = typeof tries === 'number' && !Number.isNaN(tries) ? Math.max(1, Math.floor(tries)) : 1;
  if (n > 7) return RETRY_CAP_MS;
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (n - 1));
}

export const PROCESSING_RECHECK_CAP_MS = 2 * 3_600_000;

/**
 * Wait before the next query of a refund the platform accepted (PROCESSING):
 * the policy's interval at first, then half the record's age (a refund that
 * has been processing for a day is asked about every 2 hours, not every few
 * minutes), never more than 2 hours: bank-card refunds take days, and the
 * callback usually arrives first anyway.
 */
export function processingRecheck(ageMs: number, policyMinutes: number): number {
  const floor = Math.max(1, policyMinutes) * 60_000;
  const age = Number.isFinite(ageMs) ? Math.max(0, ageMs) : 0;
  return Math.min(PROCESSING_RECHECK_CAP_MS, Math.max(floor, Math.floor(age / 2)));
}
