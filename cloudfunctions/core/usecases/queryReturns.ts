/**
 * queryReturns: `get` (detail: timeline, status label, who acts next,
 * deadline, amounts, evidence temp URLs, the caller's allowed actions) and
 * `list` (`mine` for buyers, `merchant` for staff; paged by a cursor).
 */
import { queryReturnsSchema, type GetReturnInput, type ListReturnsInput } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import { sdk, type Caller } from '../runtime/shell';
import { command, findMany } from '../data/db';
import { C } from '../data/collections';
import { CLIENT_ORIGINS, loadStaff, parseInput, requireOpenid, requireOrigin } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { normaliseReturn } from '../app/returns';
import { refundsOfOrder, refundTarget } from '../app/refunds';
import { returnView } from '../app/view';
import type { ReturnDoc } from '../app/model';
import { OPEN_STATUSES, STATUSES } from '../machine/statuses';
import { shopDate } from '../policy/time';
import { buyerOrStaff } from './common';
import { publicRefund } from './executeRefund';

export async function queryReturns(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(queryReturnsSchema, event);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  return input.action === 'get' ? get(input, caller, now, settings) : list(input, caller, now, settings);
}

async function tempUrls(fileIDs: string[]): Promise<Record<string, string>> {
  if (!fileIDs.length) return {};
  try {
    const res: any = await (sdk() as any).getTempFileURL({ fileList: fileIDs });
    const out: Record<string, string> = {};
    for (const f of res?.fileList ?? []) if (f?.tempFileURL) out[f.fileID] = f.tempFileURL;
    return out;
  } catch {
    return {};
  }
}

async function get(input: GetReturnInput, caller: Caller, now: Date, settings: ShopSettings): Promise<Envelope> {
  const { ret, acting } = await buyerOrStaff(caller, input.returnId, ['MERCHANT', 'ARBITER', 'ADMIN']);
  const urls = await tempUrls(ret.evidence.map((e) => e.fileID));
  const refunds = acting.role !== 'BUYER' && ret.refundIds.length ? (await refundsOfOrder(ret.orderId)).filter((r) => r.returnId === ret._id).map(publicRefund) : undefined;
  return ok({ return: returnView(ret, { role: acting.role, now, policy: settings.policy, tempUrls: urls, refunds }) });
}

/**
 * Opaque page cursor: base64url of "<offset>" (mine) or "<segment>:<offset>"
 * (merchant queue: segment "d" = after-sales with a deadline, soonest first;
 * then "n" = those without one).
 */
interface Cursor {
  segment: 'd' | 'n';
  offset: number;
}

function badCursor(): AppError {
  return new AppError('INVALID_ARGUMENT', '分页游标 cursor 无效', { issues: [{ path: 'cursor', message: '分页游标 cursor 无效' }] });
}

function decodeCursor(cursor: string | undefined): Cursor {
  if (!cursor) return { segment: 'd', offset: 0 };
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(?:([dn]):)?(\d{1,15})$/.exec(text);
  if (!m) throw badCursor();
  const offset = Number(m[2]);
  if (!Number.isSafeInteger(offset)) throw badCursor();
  return { segment: (m[1] as 'd' | 'n' | undefined) ?? 'd', offset };
}

function encodeCursor(c: Cursor, withSegment: boolean): string {
  return Buffer.from(withSegment ? `${c.segment}:${c.offset}` : String(c.offset), 'utf8').toString('base64url');
}

function summary(ret: ReturnDoc, now: Date) {
  const deadline = ret.deadline;
  return {
    returnId: ret._id,
    orderId: ret.orderId,
    type: ret.type,
    reason: ret.reason,
    status: ret.status,
    statusLabel: STATUSES[ret.status].label,
    nextActor: STATUSES[ret.status].next,
    deadline,
    overdue: !!deadline && deadline.getTime() < now.getTime(),
    dueToday: !!deadline && shopDate(deadline) === shopDate(now),
    lines: ret.lines,
    refundAmount: refundTarget(ret),
    createdAt: ret.createdAt,
    updatedAt: ret.updatedAt,
  };
}

const LIST_FIELDS = { timeline: false, evidence: false };

async function list(input: ListReturnsInput, caller: Caller, now: Date, settings: ShopSettings): Promise<Envelope> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const cursor = decodeCursor(input.cursor);
  const _ = command();
  const query: Record<string, unknown> = input.status ? { status: input.status } : input.scope === 'merchant' ? { status: _.in(OPEN_STATUSES as string[]) } : {};
  void settings;
  if (input.scope === 'mine') {
    query.buyerOpenid = openid;
    const rows = (await findMany<ReturnDoc>(C.returns, query, { orderBy: [['createdAt', 'desc'], ['_id', 'desc']], skip: cursor.offset, limit: input.limit + 1, fields: LIST_FIELDS })).map(normaliseReturn);
    const more = rows.length > input.limit;
    return ok({
      items: rows.slice(0, input.limit).map((r) => summary(r, now)),
      nextCursor: more ? encodeCursor({ segment: 'd', offset: cursor.offset + input.limit }, false) : null,
    });
  }
  const staff = await loadStaff(openid);
  if (!staff || !staff.roles.some((r) => r === 'MERCHANT' || r === 'ARBITER' || r === 'ADMIN')) throw new AppError('FORBIDDEN', '您没有查看商家售后的权限');
  // Work queue: soonest deadline first, then those without a deadline (DISPUTED, REFUNDING, REFUND_FAILED), newest first.
  // Two segments read in turn (the database sorts null before any date), so every page continues the same order.
  const page: ReturnDoc[] = [];
  let next: Cursor | null = null;
  let at: Cursor = cursor;
  if (at.segment === 'd') {
    const rows = (await findMany<ReturnDoc>(C.returns, { ...query, deadline: _.neq(null) }, { orderBy: [['deadline', 'asc'], ['createdAt', 'desc'], ['_id', 'asc']], skip: at.offset, limit: input.limit + 1, fields: LIST_FIELDS })).map(normaliseReturn);
    page.push(...rows.slice(0, input.limit));
    if (rows.length > input.limit) next = { segment: 'd', offset: at.offset + input.limit };
    else at = { segment: 'n', offset: 0 };
  }
  if (!next && page.length <= input.limit && at.segment === 'n') {
    const room = input.limit - page.length;
    const rows = (await findMany<ReturnDoc>(C.returns, { ...query, deadline: null }, { orderBy: [['createdAt', 'desc'], ['_id', 'asc']], skip: at.offset, limit: room + 1, fields: LIST_FIELDS })).map(normaliseReturn);
    page.push(...rows.slice(0, room));
    if (rows.length > room) next = { segment: 'n', offset: at.offset + room };
  }
  return ok({
    items: page.map((r) => summary(r, now)),
    nextCursor: next ? encodeCursor(next, true) : null,
  });
}
