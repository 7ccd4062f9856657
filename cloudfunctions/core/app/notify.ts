/**
 * Subscribe messages through an outbox. Each message is sent at once and its
 * outcome recorded in `notifications` (one write): SENT, SKIPPED (no template
 * configured), REFUSED (the user gave no consent: never retried), FAILED
 * (retried by the sweep with backoff until MAX_NOTIFY_TRIES, then GAVE_UP) or
 * GAVE_UP at once when the shop's template configuration is wrong.
 */
import { sdk } from '../runtime/shell';
import { cas, command, createIfAbsent, findMany } from '../data/db';
import { C } from '../data/collections';
import { formatShopTime } from '../policy/time';
import { statusLabel } from '../machine/statuses';
import { retryBackoff } from './pay/classify';
import type { ReturnDoc } from './model';
import type { ShopSettings } from './settings';

export type NoticeKind = 'statusChanged' | 'reminder';
export type NoticeStatus = 'SENT' | 'SKIPPED' | 'REFUSED' | 'FAILED' | 'GAVE_UP';
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

/** The page a message opens: the buyer's detail, or the staff review page for staff. */
export function detailPage(returnId: string, forStaff = false): string {
  return `pages/${forStaff ? 'staff-review' : 'return-detail'}/index?returnId=${returnId}`;
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

async function send(doc: Pick<NotificationDoc, 'touser' | 'templateId' | 'page' | 'data'>): Promise<{ status: NoticeStatus; error?: string }> {
  if (!doc.templateId) return { status: 'SKIPPED' };
  try {
    const res: any = await (sdk() as any).openapi.subscribeMessage.send({
      touser: doc.touser,
      templateId: doc.templateId,
      page: doc.page,
      data: doc.data,
    });
    const code = Number(res?.errCode ?? res?.errcode ?? 0);
    if (code === 0) return { status: 'SENT' };
    return failure(code, String(res?.errMsg ?? ''));
  } catch (err) {
    const e = err as { errCode?: number; errMsg?: string; message?: string };
    return failure(Number(e?.errCode), String(e?.errMsg ?? e?.message ?? err));
  }
}

/** Send one message now and record it; idempotent on `key` (a repeat records nothing new). */
export async function notify(opts: {
  key: string;
  kind: NoticeKind;
  ret: ReturnDoc;
  touser: string;
  hint: string;
  now: Date;
  settings: ShopSettings;
}): Promise<NoticeStatus> {
  const templateId = opts.settings.templates[opts.kind] ?? null;
  const base = {
    kind: opts.kind,
    returnId: opts.ret._id,
    touser: opts.touser,
    templateId,
    page: detailPage(opts.ret._id, opts.touser !== opts.ret.buyerOpenid),
    data: templateData(opts.ret, opts.hint, opts.now),
  };
  const outcome = await send(base);
  const doc: NotificationDoc = {
    _id: opts.key,
    ...base,
    status: outcome.status,
    tries: templateId ? 1 : 0,
    nextAttemptAt: outcome.status === 'FAILED' ? new Date(opts.now.getTime() + retryBackoff(1)) : null,
    ...(outcome.error ? { lastError: outcome.error } : {}),
    createdAt: opts.now,
    updatedAt: opts.now,
  };
  await createIfAbsent(C.notifications, doc);
  return outcome.status;
}

/** Sweep: resend FAILED messages that are due; each claimed by a compare-and-set on tries. */
export async function retryNotifications(now: Date, limit: number, budgetLeft: () => boolean): Promise<{ retried: number; sent: number; left: boolean }> {
  const due = await findMany<NotificationDoc>(
    C.notifications,
    { status: 'FAILED', nextAttemptAt: command().lte(now) },
    { orderBy: [['nextAttemptAt', 'asc']], limit: limit + 1 },
  );
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
    const outcome = await send(n);
    const status: NoticeStatus = outcome.status === 'FAILED' && tries >= MAX_NOTIFY_TRIES ? 'GAVE_UP' : outcome.status;
    if (status === 'SENT') sent++;
    if (status !== 'FAILED' || outcome.error) {
      await cas(C.notifications, { _id: n._id, tries }, {
        status,
        ...(status === 'FAILED' ? {} : { nextAttemptAt: null }),
        lastError: outcome.error ?? '',
        updatedAt: now,
      });
    }
  }
  return { retried, sent, left: due.length > limit };
}
