/** Who is calling: identity comes only from getWXContext, roles only from `staff`. */
import type { z } from 'zod';
import { AppError } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { findById } from '../data/db';
import { C } from '../data/collections';
import type { StaffRole } from '../policy/types';
import { formatZodIssues } from '../schemas';

/** SOURCE first segments that mean "a person in the mini-program" (whitelist). */
export const CLIENT_ORIGINS = ['wx_client', 'wx_devtools'] as const;

export function parseInput<S extends z.ZodType>(schema: S, event: unknown): z.infer<S> {
  const res = schema.safeParse(event);
  if (!res.success) {
    throw new AppError('INVALID_ARGUMENT', '请求参数不正确', { issues: formatZodIssues(res.error) });
  }
  return res.data;
}

export function requireOpenid(caller: Caller): string {
  if (!caller.openid) throw new AppError('UNAUTHENTICATED', '请在小程序内登录后再操作');
  return caller.openid;
}

export function requireOrigin(caller: Caller, allowed: readonly string[]): void {
  if (!allowed.includes(caller.origin)) {
    throw new AppError('FORBIDDEN', '无权调用此功能', { source: caller.source });
  }
}

export interface StaffDoc {
  _id: string;
  roles: StaffRole[];
  name?: string;
}

export async function loadStaff(openid: string): Promise<StaffDoc | null> {
  const doc = await findById<StaffDoc>(C.staff, openid);
  return doc && Array.isArray(doc.roles) ? doc : null;
}

export function hasRole(staff: StaffDoc | null, ...roles: StaffRole[]): boolean {
  return !!staff && staff.roles.some((r) => roles.includes(r));
}

export function requireRole(staff: StaffDoc | null, ...roles: StaffRole[]): StaffDoc {
  if (!staff || !hasRole(staff, ...roles)) throw new AppError('FORBIDDEN', '您没有执行此操作的权限');
  return staff;
}
