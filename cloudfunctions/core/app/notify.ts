/**
 * Subscribe messages through an outbox, within WeChat's one-time consents.
 *
 * A shop mini-program's subscribe messages are one-time: each accept the user
 * gives in wx.requestSubscribeMessage (on a tap, ≤ 3 templates a call) allows
 * ONE message of that template; a send without one fails with 43101. The pages
 * report every accept (`queryReturns { action: 'subscribe' }`), kept per
 * (openid, template) in `subscriptions` (`left`). A message spends one:
 *  - decisive ones (the buyer's decisions, refunds, actions before a deadline;
 *    every staff message) whenever one is left;
 *  - informational ones (退款处理中, 退款遇到问题) and reminders sharing the
 *    status template only with spare quota (more than one left, so the next
 *    decisive message still has its consent).
 * No consent → nothing sent, recorded NO_CONSENT (or HELD when the last one is
 * kept for a decisive message); never retried. Outcomes in `notifications`:
 * SENT, SKIPPED (no template configured), NO_CONSENT, HELD, REFUSED (WeChat
 * answered 43101/43107/40003 anyway: never retried, the count is reset),
 * FAILED (a platform fault: the consent is given back and the sweep retries
 * with backoff until MAX_NOTIFY_TRIES, then GAVE_UP) or GAVE_UP at once when
 * the shop's template configuration is wrong.
 */
import { openapi, type Caller } from '../runtime/shell';
import { ok, type Envelope } from '../runtime/envelope';
import { cas, command, createIfAbsent, findById, findMany, putById } from '../data/db';
import { C } from '../data/collections';
import { formatShopTime } from '../policy/time';
import { isTerminal, statusLabel, STATUSES } from '../machine/statuses';
import { rolesFor, staffWhoActIn } from '../machine/transitions';
import { retryBackoff } from './pay/classify';
import { CLIENT_ORIGINS, requireOpenid, requireOrigin, staffWithRoles } from './guards';
import type { ReturnDoc } from './model';
import type { ShopSettings } from './settings';
import type { SubscribeInput } from '../schemas/subscribe';

export type NoticeKind = 'statusChanged' | 'reminder';
export type NoticeStatus = 'PENDING' | 'SENT' | 'SKIPPED' | 'NO_CONSENT' | 'HELD' | 'REFUSED' | 'FAILED' | 'GAVE_UP';
/** decisive: spends a consent whenever one is left; info / reminder: only with spare quota on a shared template. */
export type NoticePriority = 'decisive' | 'info' | 'reminder';
/** Outcomes that mean "this message did not reach the user and will not be retried". */
export const MISSED_STATUSES: readonly NoticeStatus[] = ['NO_CONSENT', 'HELD', 'REFUSED'];
export const MAX_NOTIFY_TRIES = 6;
/** errcodes meaning "this user cannot receive it" (no consent, blocked): retrying will not help. */
const PERMANENT_ERRCODES = new Set([43101, 43107, 40003]);
/**
 * errcodes meaning the shop's configuration is wrong (template id, template
 * data, page path): the same request would fail again, so it is given up at
 * once with the reason for the shop developer, instead of being retried.
 */
const CONFIG_ERRCODES: Readonly<Record<number, string>> = Object.freeze({
  40037: '模板 ID 无效，请检查 settings.templates',
  47003: '模板参数不正确，请检查模板字段与 templateData 是否一致',
  41030: '跳转页面路径不存在或未发布',
});

function failure(code: number, msg: string): { status: NoticeStatus; error: string } {
  const text = `${Number.isNaN(code) ? '' : code} ${msg}`.trim();
  if (PERMANENT_ERRCODES.has(code)) return { status: 'REFUSED', error: text };
  if (CONFIG_ERRCODES[code]) return { status: 'GAVE_UP', error: `${text}（${CONFIG_ERRCODES[code]}）` };
  return { status: 'FAILED', error: text };
}

export interface NotificationDoc {
  _id: string;
  kind: NoticeKind;
  priority?: NoticePriority;
  returnId: string;
  touser: string;
  templateId: string | null;
  page: string;
  data: Record<string, { value: string }>;
  status: NoticeStatus;
  tries: number;
  nextAttemptAt: Date | null;
  lastError?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The page a message opens: the buyer's detail, or the staff review page for staff, in the package mounted at `root` (settings.pagesRoot). */
export function detailPage(returnId: string, forStaff = false, root = 'aftersale'): string {
  const prefix = root.replace(/^\/+|\/+$/g, '');
  return `${prefix ? `${prefix}/` : ''}pages/${forStaff ? 'staff-review' : 'return-detail'}/index?returnId=${returnId}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** Template data (keys of the 售后状态通知 template: 售后单号, 售后状态, 温馨提示, 更新时间). */
export function templateData(ret: ReturnDoc, hint: string, at: Date): Record<string, { value: string }> {
  return {
    character_string1: { value: ret._id },
    phrase2: { value: clip(statusLabel(ret.status), 5) },
    thing3: { value: clip(hint, 20) },
    time4: { value: formatShopTime(at) },
  };
}

async function send(doc: Pick<NotificationDoc, 'touser' | 'templateId' | 'page' | 'data'>): Promise<{ status: NoticeStatus; error?: string; code?: number }> {
  if (!doc.templateId) return { status: 'SKIPPED' };
  try {
    const res = await openapi('subscribeMessage.send')({
      touser: doc.touser,
      templateId: doc.templateId,
      page: doc.page,
      data: doc.data,
    });
    const code = Number(res?.errCode ?? res?.errcode ?? 0);
    if (code === 0) return { status: 'SENT' };
    return { ...failure(code, String(res?.errMsg ?? '')), code };
  } catch (err) {
    const e = err as { errCode?: number; errMsg?: string; message?: string };
    return { ...failure(Number(e?.errCode), String(e?.errMsg ?? e?.message ?? err)), code: Number(e?.errCode) };
  }
}

// ------------------------------------------------------------------ consents

export interface SubscriptionDoc {
  _id: string;
  openid: string;
  templateId: string;
  /** consents not spent yet */
  left: number;
  accepted: number;
  updatedAt: Date;
}

const subscriptionId = (openid: string, templateId: string) => `${openid}:${templateId}`;

/** Record one accept per template id (what one tap gave). Unknown template ids are ignored. */
export async function recordConsent(openid: string, templateIds: readonly string[], now: Date, settings: ShopSettings): Promise<void> {
  const known = new Set(Object.values(settings.templates).filter(Boolean) as string[]);
  const _ = command();
  for (const templateId of new Set(templateIds)) {
    if (!known.has(templateId)) continue;
    const _id = subscriptionId(openid, templateId);
    for (let i = 0; i < 3; i++) {
      if (await cas(C.subscriptions, { _id }, { left: _.inc(1), accepted: _.inc(1), updatedAt: now })) break;
      if (await createIfAbsent(C.subscriptions, { _id, openid, templateId, left: 1, accepted: 1, updatedAt: now })) break;
    }
  }
}

/** How many message keys a consent document remembers (a copy of a message comes within seconds of the first). */
const SPENT_KEYS_KEPT = 50;

/**
 * Spend one consent of (openid, template) if more than `reserve` are left —
 * with `key`, at most once per message: the key is pushed in the same
 * compare-and-set, so a second copy of the message finds it spent.
 */
async function spendConsent(openid: string, templateId: string, reserve: number, now: Date, key?: string): Promise<'spent' | 'none' | 'held'> {
  const _ = command();
  const _id = subscriptionId(openid, templateId);
  const match = { _id, left: _.gt(reserve), ...(key ? { spentFor: _.neq(key) } : {}) };
  const data = { left: _.inc(-1), updatedAt: now, ...(key ? { spentFor: _.push({ each: [key], slice: -SPENT_KEYS_KEPT }) } : {}) };
  if (await cas(C.subscriptions, match, data)) return 'spent';
  // Nothing kept back: the compare-and-set failing means none is left (no second read to tell held from none).
  if (reserve === 0) return 'none';
  const doc = await findById<SubscriptionDoc>(C.subscriptions, _id);
  return doc && doc.left > 0 ? 'held' : 'none';
}

async function giveBack(openid: string, templateId: string, now: Date): Promise<void> {
  await cas(C.subscriptions, { _id: subscriptionId(openid, templateId) }, { left: command().inc(1), updatedAt: now }).catch(() => undefined);
}

/** WeChat says there is no consent (43101): our count was wrong, start again from 0. */
async function forgetConsent(openid: string, templateId: string, now: Date): Promise<void> {
  await cas(C.subscriptions, { _id: subscriptionId(openid, templateId) }, { left: 0, updatedAt: now }).catch(() => undefined);
}

/** Consents left per template purpose for `openid`. */
export async function consentsLeft(openid: string, settings: ShopSettings): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [purpose, templateId] of Object.entries(settings.templates)) {
    if (!templateId) continue;
    const doc = await findById<SubscriptionDoc>(C.subscriptions, subscriptionId(openid, templateId));
    out[purpose] = doc?.left ?? 0;
  }
  return out;
}

/** Informational for the buyer: the refund is under way (planned, not finished) and nothing is theirs to do (machine/statuses.ts). */
const informational = (status: ReturnDoc['status']): boolean => STATUSES[status].refundBound && !STATUSES[status].terminal;

/** How much a message matters (see the header). */
export function priorityOf(kind: NoticeKind, ret: Pick<ReturnDoc, 'status' | 'buyerOpenid'>, touser: string): NoticePriority {
  if (kind === 'reminder') return 'reminder';
  if (touser !== ret.buyerOpenid) return 'decisive';
  return informational(ret.status) ? 'info' : 'decisive';
}

const MISSED_TEXT: Readonly<Record<string, string>> = Object.freeze({
  NO_CONSENT: '未订阅通知（每次订阅只能收到一条），本条未发送',
  HELD: '订阅次数仅剩 1 次，已留给更重要的通知',
});

/** Send one message now and record it; idempotent on `key` (a repeat sends and records nothing new). */
export async function notify(opts: {
  key: string;
  kind: NoticeKind;
  ret: ReturnDoc;
  touser: string;
  hint: string;
  now: Date;
  settings: ShopSettings;
  /** Overrides the priority the status gives (a message in the thread is informational). */
  priority?: NoticePriority;
  /** When what it tells happened (the template's 更新时间; default `now`). */
  at?: Date;
}): Promise<NoticeStatus> {
  const templateId = opts.settings.templates[opts.kind] ?? null;
  const priority = opts.priority ?? priorityOf(opts.kind, opts.ret, opts.touser);
  const base = {
    kind: opts.kind,
    priority,
    returnId: opts.ret._id,
    touser: opts.touser,
    templateId,
    page: detailPage(opts.ret._id, opts.touser !== opts.ret.buyerOpenid, opts.settings.pagesRoot),
    data: templateData(opts.ret, opts.hint, opts.at ?? opts.now),
  };
  // Two copies of the same message (duplicate callbacks, a retried call) never spend two consents: the consent
  // is spent once per key (spendConsent). The copy that spent it writes the record with its outcome; any other
  // copy only creates it if absent (its NO_CONSENT / HELD never overwrites the spender's outcome).
  let outcome: { status: NoticeStatus; error?: string; code?: number };
  let spender = false;
  if (!templateId) outcome = { status: 'SKIPPED' };
  else {
    // Informational messages and reminders on the status template keep one consent for the next decisive message.
    const shared = templateId === opts.settings.templates.statusChanged && !isTerminal(opts.ret.status);
    const reserve = priority !== 'decisive' && shared ? 1 : 0;
    const spent = await spendConsent(opts.touser, templateId, reserve, opts.now, opts.key);
    if (spent !== 'spent') outcome = { status: spent === 'held' ? 'HELD' : 'NO_CONSENT', error: MISSED_TEXT[spent === 'held' ? 'HELD' : 'NO_CONSENT'] };
    else {
      spender = true;
      outcome = await send(base);
      if (outcome.status === 'REFUSED' && outcome.code === 43101) await forgetConsent(opts.touser, templateId, opts.now);
      // Not delivered for a reason of the platform or the shop's configuration: WeChat did not use the consent.
      if (outcome.status === 'FAILED' || outcome.status === 'GAVE_UP') await giveBack(opts.touser, templateId, opts.now);
    }
  }
  const sentOnce = outcome.status === 'SENT' || outcome.status === 'FAILED' || outcome.status === 'REFUSED' || outcome.status === 'GAVE_UP';
  const record: NotificationDoc = {
    _id: opts.key,
    ...base,
    status: outcome.status,
    tries: sentOnce ? 1 : 0,
    nextAttemptAt: outcome.status === 'FAILED' ? new Date(opts.now.getTime() + retryBackoff(1)) : null,
    ...(outcome.error ? { lastError: outcome.error } : {}),
    createdAt: opts.now,
    updatedAt: opts.now,
  };
  if (spender) await putById(C.notifications, record);
  else if (!(await createIfAbsent(C.notifications, record))) return (await findById<NotificationDoc>(C.notifications, opts.key))?.status ?? outcome.status;
  return outcome.status;
}

// ------------------------------------------------------------------ staff

/** Staff who read a buyer's message: those who act in the status, else (the buyer acts) those who review (the table's rows). */
function messageReaders(status: ReturnDoc['status']): string[] {
  const acting = staffWhoActIn(status);
  return acting.length ? acting : rolesFor('approve').filter((r) => r !== 'SYSTEM' && r !== 'BUYER');
}

/** A new message in the thread: the other side is told (informational: only with spare consents), never failing the call. */
export async function tellAboutMessage(ret: ReturnDoc, fromBuyer: boolean, messageId: string, now: Date, settings: ShopSettings): Promise<void> {
  try {
    const recipients = fromBuyer ? (await staffWithRoles(messageReaders(ret.status))).map((s) => s._id).filter((id) => id !== ret.buyerOpenid) : [ret.buyerOpenid];
    for (const touser of recipients) {
      await notify({
        key: `${ret._id}:msg:${messageId}:${touser}`,
        kind: 'statusChanged',
        ret,
        touser,
        hint: fromBuyer ? '买家发来新留言，请查看' : '商家给您留言了，请查看',
        now,
        settings,
        priority: 'info',
      });
    }
  } catch (err) {
    console.error(JSON.stringify({ level: 'warn', msg: 'message notify failed', returnId: ret._id, error: String((err as Error)?.message ?? err) }));
  }
}

// ------------------------------------------------------------------ the pages' consent report

/**
 * `queryReturns { action: 'subscribe', templateIds, returnId? }`: the caller's
 * accepts from one wx.requestSubscribeMessage (one per template id), answered
 * with the consents left per purpose and, with `returnId`, the messages about
 * that after-sale the caller did not receive for want of consent.
 */
export async function subscribe(input: SubscribeInput, caller: Caller, now: Date, settings: ShopSettings): Promise<Envelope> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  if (input.templateIds.length) await recordConsent(openid, input.templateIds, now, settings);
  const left = await consentsLeft(openid, settings);
  let missed: { hint: string; status: string; reason: string; at: Date }[] = [];
  if (input.returnId) {
    const docs = await findMany<NotificationDoc>(
      C.notifications,
      { returnId: input.returnId, touser: openid, status: command().in([...MISSED_STATUSES]) },
      { orderBy: [['createdAt', 'desc']], limit: 20 },
    );
    missed = docs.map((n) => ({
      hint: n.data?.thing3?.value ?? '',
      status: n.data?.phrase2?.value ?? '',
      reason: n.status === 'REFUSED' ? '微信未送达（未订阅或已拒收）' : (MISSED_TEXT[n.status] ?? ''),
      at: n.createdAt,
    }));
  }
  return ok({ consents: left, templates: settings.templates, missed });
}

/** Sweep: resend FAILED messages that are due; each claimed by a compare-and-set on tries. */
export async function retryNotifications(now: Date, limit: number, budgetLeft: () => boolean): Promise<{ retried: number; sent: number; left: boolean }> {
  const due = await findMany<NotificationDoc>(C.notifications, { status: 'FAILED', nextAttemptAt: command().lte(now) }, { orderBy: [['nextAttemptAt', 'asc']], limit: limit + 1 });
  let retried = 0;
  let sent = 0;
  for (const n of due.slice(0, limit)) {
    if (!budgetLeft()) return { retried, sent, left: true };
    // Claim it first (two overlapping sweeps never send the same message twice).
    const tries = n.tries + 1;
    const claimed = await cas(
      C.notifications,
      { _id: n._id, status: 'FAILED', tries: n.tries },
      { tries, nextAttemptAt: new Date(now.getTime() + retryBackoff(tries)), updatedAt: now },
    );
    if (!claimed) continue;
    retried++;
    // The failed attempt gave its consent back: spend one again (none left → NO_CONSENT, not retried).
    const spent = n.templateId ? await spendConsent(n.touser, n.templateId, 0, now) : 'spent';
    const outcome: { status: NoticeStatus; error?: string; code?: number } = spent === 'spent' ? await send(n) : { status: 'NO_CONSENT', error: MISSED_TEXT.NO_CONSENT };
    if (spent === 'spent' && n.templateId) {
      if (outcome.status === 'REFUSED' && outcome.code === 43101) await forgetConsent(n.touser, n.templateId, now);
      if (outcome.status === 'FAILED' || outcome.status === 'GAVE_UP') await giveBack(n.touser, n.templateId, now);
    }
    const status: NoticeStatus = outcome.status === 'FAILED' && tries >= MAX_NOTIFY_TRIES ? 'GAVE_UP' : outcome.status;
    if (status === 'SENT') sent++;
    if (status !== 'FAILED' || outcome.error) {
      await cas(
        C.notifications,
        { _id: n._id, tries },
        {
          status,
          ...(status === 'FAILED' ? {} : { nextAttemptAt: null }),
          lastError: outcome.error ?? '',
          updatedAt: now,
        },
      );
    }
  }
  return { retried, sent, left: due.length > limit };
}
