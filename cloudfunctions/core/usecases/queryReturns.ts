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

function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0) throw new AppError('INVALID_ARGUMENT', '分页游标 cursor 无效', { issues: [{ path: 'cursor', message: '分页游标 cursor 无效' }] });
  return n;
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

async function list(input: ListReturnsInput, caller: Caller, now: Date, settings: ShopSettings): Promise<Envelope> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const offset = decodeCursor(input.cursor);
  const _ = command();
  const query: Record<string, unknown> = input.status ? { status: input.status } : input.scope === 'merchant' ? { status: _.in(OPEN_STATUSES as string[]) } : {};
  let orderBy: [string, 'asc' | 'desc'][];
  if (input.scope === 'mine') {
    query.buyerOpenid = openid;
    orderBy = [['createdAt', 'desc'], ['_id', 'desc']];
  } else {
    const staff = await loadStaff(openid);
    if (!staff || !staff.roles.some((r) => r === 'MERCHANT' || r === 'ARBITER' || r === 'ADMIN')) throw new AppError('FORBIDDEN', '您没有查看商家售后的权限');
    // Work queue: soonest deadline first (no deadline last), then newest.
    orderBy = [['deadline', 'asc'], ['createdAt', 'desc'], ['_id', 'asc']];
  }
  const rows = (await findMany<ReturnDoc>(C.returns, query, { orderBy, skip: offset, limit: input.limit + 1, fields: { timeline: false, evidence: false } })).map(normaliseReturn);
  const page = rows.slice(0, input.limit);
  if (input.scope === 'merchant') page.sort((a, b) => (a.deadline?.getTime() ?? Infinity) - (b.deadline?.getTime() ?? Infinity));
  const more = rows.length > input.limit;
  void settings;
  return ok({
    items: page.map((r) => summary(r, now)),
    nextCursor: more ? Buffer.from(String(offset + input.limit), 'utf8').toString('base64url') : null,
  });
}
