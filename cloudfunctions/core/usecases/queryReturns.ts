/**
 * queryReturns: `get` (detail: timeline, status label, who acts next,
 * deadline, amounts, evidence temp URLs, the caller's allowed actions) and
 * `list` (`mine` for buyers, `merchant` for staff; paged by a cursor).
 */
import { STAFF_ROLES } from '../machine/transitions';
import { queryReturnsSchema, type GetReturnInput, type ListReturnsInput } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import { sdk, type Caller } from '../runtime/shell';
import { command, findMany } from '../data/db';
import { C } from '../data/collections';
import { CLIENT_ORIGINS, loadStaff, parseInput, requireOpenid, requireOrigin, staffRole } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { loadOrder, normaliseReturn } from '../app/returns';
import { skusOfProducts } from '../app/exchange';
import { exchangeOptions } from '../policy/exchange/options';
import { ownRecords, refundsOfOrder, refundTarget } from '../app/refunds';
import { supersedable } from '../machine/supersede';
import { markRead } from '../app/negotiation';
import { returnView, servedFileID } from '../app/view';
import type { ReturnDoc } from '../app/model';
import { OPEN_STATUSES, STATUSES } from '../machine/statuses';
import { shopDate } from '../policy/time';
import { buyerOrStaff } from './common';
import { publicRefund } from './executeRefund';
import { subscribe } from '../app/notify';
import { checkCarrierAccounts } from '../app/pickup';

export async function queryReturns(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(queryReturnsSchema, event);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  if (input.action === 'whoami') return whoami(caller);
  if (input.action === 'subscribe') return subscribe(input, caller, now, settings);
  if (input.action === 'carrierAccounts') return carrierAccounts(caller, settings);
  if (input.action === 'exchangeOptions') return exchangeOptionsOf(input.orderId, caller, settings);
  return input.action === 'get' ? get(input, caller, now, settings) : list(input, caller, now, settings);
}

/** 换货 picker: for each line of the buyer's own order, the SKUs it may be swapped for (same product, same price, in stock). */
async function exchangeOptionsOf(orderId: string, caller: Caller, settings: ShopSettings): Promise<Envelope> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const order = await loadOrder(orderId, settings);
  if (order.buyerOpenid !== openid) throw new AppError('FORBIDDEN', '这不是您的订单');
  const skus = await skusOfProducts(order.lines.map((l) => l.productId ?? ''));
  return ok({ lines: order.lines.map((l) => exchangeOptions(l, skus)) });
}

/** Deploy (a server caller: SOURCE ending in scf) or an ADMIN: are the shop's carrier accounts bound? */
async function carrierAccounts(caller: Caller, settings: ShopSettings): Promise<Envelope> {
  const chain = caller.source.split(',');
  if (chain[chain.length - 1] !== 'scf') {
    requireOrigin(caller, CLIENT_ORIGINS);
    if (!(await staffRole(requireOpenid(caller), ['ADMIN'])).role) throw new AppError('FORBIDDEN', '仅管理员可以查看');
  }
  return ok({ accounts: await checkCarrierAccounts(settings) });
}

async function tempUrls(fileIDs: string[]): Promise<Record<string, string>> {
  if (!fileIDs.length) return {};
  try {
    const res = (await sdk().getTempFileURL({ fileList: fileIDs })) as { fileList?: { fileID: string; tempFileURL?: string }[] };
    const out: Record<string, string> = {};
    for (const f of res?.fileList ?? []) if (f?.tempFileURL) out[f.fileID] = f.tempFileURL;
    return out;
  } catch {
    return {};
  }
}

async function get(input: GetReturnInput, caller: Caller, now: Date, settings: ShopSettings): Promise<Envelope> {
  const { ret, acting } = await buyerOrStaff(caller, input.returnId, [...STAFF_ROLES]);
  // Served from the functions' own copy (what was checked).
  const urls = await tempUrls(ret.evidence.map(servedFileID));
  const refunds = acting.role !== 'BUYER' && ret.refundIds.length ? ownRecords(ret, await refundsOfOrder(ret.orderId)).map(publicRefund) : undefined;
  // Opening the after-sale reads its thread: the caller's side has nothing unread any more.
  await markRead(ret, acting.role).catch(() => undefined);
  return ok({
    return: returnView(ret, { role: acting.role, now, policy: settings.policy, tempUrls: urls, refunds, contact: acting.role === 'BUYER' ? (settings.contact ?? null) : null }),
  });
}

/**
 * Opaque page cursor (base64url JSON): where the previous page ended, by the
 * sort key of its last item (keyset paging), so that after-sales created,
 * handled or moved between two page loads neither repeat nor hide others.
 * - mine: `{ c: createdAt ms, i: _id }` (newest first);
 * - merchant queue: `{ s: 'd', d: deadline ms, i: _id }` while in the part
 *   with a deadline (soonest first), then `{ s: 'n', c: createdAt ms, i: _id }`
 *   for those without one (newest first); `{ s: 'n' }` starts that part.
 */
interface Cursor {
  s?: 'd' | 'n';
  d?: number;
  c?: number;
  i?: string;
}

function badCursor(): AppError {
  return new AppError('INVALID_ARGUMENT', '分页游标 cursor 无效', { issues: [{ path: 'cursor', message: '分页游标 cursor 无效' }] });
}

function decodeCursor(cursor: string | undefined): Cursor | null {
  if (!cursor) return null;
  let v: any;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const isMs = (x: unknown) => x === undefined || (typeof x === 'number' && Number.isSafeInteger(x));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badCursor();
  if (v.s !== undefined && v.s !== 'd' && v.s !== 'n') throw badCursor();
  if (!isMs(v.d) || !isMs(v.c) || (v.i !== undefined && (typeof v.i !== 'string' || v.i.length > 64))) throw badCursor();
  return { s: v.s, d: v.d, c: v.c, i: v.i };
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function ms(d: Date | null | undefined): number {
  return d ? d.getTime() : 0;
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
    /** Rejected before the goods were sent: a new application for its lines replaces it. */
    reapplicable: supersedable({ status: ret.status, hasLogistics: !!ret.goodsSentAt || !!ret.logistics }),
    /** Messages from the buyer staff have not read yet (the work queue shows them). */
    unreadForStaff: ret.unreadForStaff ?? 0,
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
  const base: Record<string, unknown> = input.status ? { status: input.status } : input.scope === 'merchant' ? { status: _.in(OPEN_STATUSES as string[]) } : {};
  void settings;
  const read = async (parts: Record<string, unknown>[], orderBy: [string, 'asc' | 'desc'][], limit: number) =>
    (await findMany<ReturnDoc>(C.returns, parts.length > 1 ? _.and(parts) : parts[0], { orderBy, limit, fields: LIST_FIELDS })).map(normaliseReturn);

  if (input.scope === 'mine') {
    const parts: Record<string, unknown>[] = [{ ...base, buyerOpenid: openid }];
    if (cursor?.c !== undefined && cursor.i) {
      const at = new Date(cursor.c);
      parts.push(_.or([{ createdAt: _.lt(at) }, { createdAt: at, _id: _.lt(cursor.i) }]));
    }
    const rows = await read(
      parts,
      [
        ['createdAt', 'desc'],
        ['_id', 'desc'],
      ],
      input.limit + 1,
    );
    const page = rows.slice(0, input.limit);
    const last = page[page.length - 1];
    return ok({
      items: page.map((r) => summary(r, now)),
      nextCursor: rows.length > input.limit ? encodeCursor({ c: ms(last.createdAt), i: last._id }) : null,
    });
  }

  const { staff, role: staffSide } = await staffRole(openid, STAFF_ROLES);
  if (!staff || !staffSide) throw new AppError('FORBIDDEN', '您没有查看商家售后的权限');
  // Work queue: soonest deadline first, then those without a deadline (DISPUTED, REFUNDING, REFUND_FAILED), newest first.
  // Two parts read in turn (the database sorts null before any date), so every page continues the same order.
  const page: ReturnDoc[] = [];
  let next: Cursor | null = null;
  if (!cursor || cursor.s !== 'n') {
    const parts: Record<string, unknown>[] = [{ ...base, deadline: _.neq(null) }];
    if (cursor?.d !== undefined && cursor.i) {
      const at = new Date(cursor.d);
      parts.push(_.or([{ deadline: _.gt(at) }, { deadline: at, _id: _.gt(cursor.i) }]));
    }
    const rows = await read(
      parts,
      [
        ['deadline', 'asc'],
        ['_id', 'asc'],
      ],
      input.limit + 1,
    );
    page.push(...rows.slice(0, input.limit));
    if (rows.length > input.limit) {
      const last = page[page.length - 1];
      next = { s: 'd', d: ms(last.deadline), i: last._id };
    }
  }
  if (!next) {
    const room = input.limit - page.length;
    const parts: Record<string, unknown>[] = [{ ...base, deadline: null }];
    if (cursor?.s === 'n' && cursor.c !== undefined && cursor.i) {
      const at = new Date(cursor.c);
      parts.push(_.or([{ createdAt: _.lt(at) }, { createdAt: at, _id: _.gt(cursor.i) }]));
    }
    const rows = await read(
      parts,
      [
        ['createdAt', 'desc'],
        ['_id', 'asc'],
      ],
      room + 1,
    );
    const taken = rows.slice(0, room);
    page.push(...taken);
    if (rows.length > room) {
      const last = taken[taken.length - 1];
      next = last ? { s: 'n', c: ms(last.createdAt), i: last._id } : cursor?.s === 'n' ? cursor : { s: 'n' };
    }
  }
  return ok({
    items: page.map((r) => summary(r, now)),
    nextCursor: next ? encodeCursor(next) : null,
  });
}

/** The caller as the server sees it: openid (from getWXContext) and staff roles. */
async function whoami(caller: Caller): Promise<Envelope> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const staff = await loadStaff(openid);
  return ok({ openid, roles: staff?.roles ?? [], name: staff?.name ?? null });
}
