/** Pieces shared by the use cases. */
import { AppError } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import type { Role, StaffRole } from '../policy/types';
import { CLIENT_ORIGINS, requireOpenid, requireOrigin, staffRole, type StaffDoc } from '../app/guards';
import { loadReturn, loadReturnWithOrder, requireOwner, type OrderRead } from '../app/returns';
import type { ReturnDoc } from '../app/model';
import { tellAboutMessage } from '../app/notify';
import { addMessage } from '../app/negotiation';
import { attachEvidence } from '../app/evidence';
import type { ShopSettings } from '../app/settings';
import { isTerminal } from '../machine/statuses';

/** The staff roles among `roles` (the table's rows for an action), in the order staff are matched. */
export function staffRolesFor(roles: readonly Role[]): StaffRole[] {
  return roles.filter((r): r is StaffRole => r === 'MERCHANT' || r === 'ARBITER' || r === 'ADMIN');
}

export interface Acting {
  openid: string;
  role: Role;
  staff: StaffDoc | null;
}

/** Caller from the mini-program who acts on an after-sale as its buyer or as staff with one of `staffRoles`. */
export async function buyerOrStaff(caller: Caller, returnId: string, staffRoles: StaffRole[]): Promise<{ ret: ReturnDoc; acting: Acting }> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const ret = await loadReturn(returnId);
  if (ret.buyerOpenid === openid) return { ret, acting: { openid, role: 'BUYER', staff: null } };
  const { staff, role } = await staffRole(openid, staffRoles);
  if (!role) throw new AppError('FORBIDDEN', '这不是您的售后单，无权查看或操作');
  return { ret, acting: { openid, role, staff } };
}

/** Staff never decide on their own after-sales (a merchant who is also the buyer). */
export function requireNotOwnReturn(ret: ReturnDoc, acting: Acting): void {
  if (ret.buyerOpenid === acting.openid) throw new AppError('FORBIDDEN', '不能处理自己申请的售后，请由其他工作人员处理');
}

/** Staff caller from the mini-program with the first of `preferred` roles they hold. */
export async function staffActing(caller: Caller, preferred: StaffRole[]): Promise<Acting> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const { staff, role } = await staffRole(openid, preferred);
  if (!role) throw new AppError('FORBIDDEN', '您没有执行此操作的权限');
  return { openid, role, staff };
}

/** The buyer's own after-sale, read with its order and ledger (one request: what its transition mirrors into). */
export async function buyerOwning(caller: Caller, returnId: string, settings: ShopSettings): Promise<{ ret: ReturnDoc; openid: string; loaded?: OrderRead }> {
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const { ret, loaded } = await loadReturnWithOrder(returnId, settings);
  requireOwner(ret, openid);
  return { ret, openid, loaded };
}

/**
 * A message in the thread of `ret` (留言), idempotent on (caller, requestId):
 * photos go through the evidence pipeline, the other side is told within
 * their consents, the status never changes. Answers the after-sale with it.
 */
export async function postMessage(
  ret: ReturnDoc,
  by: { role: Role; openid: string },
  input: { requestId: string; text: string; evidence?: string[] },
  now: Date,
  settings: ShopSettings,
): Promise<ReturnDoc> {
  if ((ret.messages ?? []).some((m) => m.requestId === input.requestId && m.by.openid === by.openid)) return ret;
  requireOpen(ret, '售后单已结束，不能再留言');
  const files = await attachEvidence(input.evidence, by, ret, settings, now);
  const message = await addMessage(ret, by, input.text, files, input.requestId, now, settings);
  await tellAboutMessage(ret, by.role === 'BUYER', message.id, now, settings);
  return { ...ret, messages: [...(ret.messages ?? []), message], evidence: [...ret.evidence, ...files] };
}

export function requireOpen(ret: ReturnDoc, message = '售后单已结束，不能再补充凭证'): void {
  if (isTerminal(ret.status)) throw new AppError('INVALID_STATE', message);
}
