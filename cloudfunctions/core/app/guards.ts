/** Who is calling: identity comes only from getWXContext, roles only from `staff`. */
import type { z } from 'zod';
import { AppError } from '../runtime/envelope';
import { InstanceCache } from '../runtime/instance-cache';
import { currentEnvId, type Caller } from '../runtime/shell';
import { command, findById, findMany } from '../data/db';
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

/**
 * Staff documents are kept per warm instance for STAFF_TTL_MS (like the
 * settings): a granted role is read at once (a refusal always reads again),
 * a withdrawn one stops working within the TTL.
 */
export const STAFF_TTL_MS = 30_000;
const staffCache = new InstanceCache<unknown>(STAFF_TTL_MS);

async function cachedStaff<T>(key: string, nowMs: number, fresh: boolean, read: () => Promise<T>): Promise<T> {
  const envId = currentEnvId();
  const hit = fresh ? undefined : staffCache.get(envId, key, nowMs);
  if (hit !== undefined) return hit as T;
  const value = await read();
  staffCache.set(envId, key, nowMs, value);
  return value;
}

/** The caller's staff document (null: not staff). `fresh` reads past the cache (a refusal is never decided on a cached answer). */
export async function loadStaff(openid: string, fresh = false, nowMs = Date.now()): Promise<StaffDoc | null> {
  const doc = await cachedStaff(`id:${openid}`, nowMs, fresh, () => findById<StaffDoc>(C.staff, openid));
  return doc && Array.isArray(doc.roles) ? doc : null;
}

/** The first of `preferred` roles `openid` holds, with its staff document; a cached document without one is read again. */
export async function staffRole(openid: string, preferred: readonly StaffRole[]): Promise<{ staff: StaffDoc | null; role: StaffRole | undefined }> {
  let staff = await loadStaff(openid);
  let role = preferred.find((r) => hasRole(staff, r));
  if (!role) {
    staff = await loadStaff(openid, true);
    role = preferred.find((r) => hasRole(staff, r));
  }
  return { staff, role };
}

/** Staff holding any of `roles` (message recipients), kept like the staff documents. */
export async function staffWithRoles(roles: readonly string[], nowMs = Date.now()): Promise<StaffDoc[]> {
  const key = `roles:${[...roles].sort().join(',')}`;
  return cachedStaff(key, nowMs, false, () => findMany<StaffDoc>(C.staff, { roles: command().in([...roles]) }, { limit: 100 }));
}

export function hasRole(staff: StaffDoc | null, ...roles: StaffRole[]): boolean {
  return !!staff && staff.roles.some((r) => roles.includes(r));
}

export function requireRole(staff: StaffDoc | null, ...roles: StaffRole[]): StaffDoc {
  if (!staff || !hasRole(staff, ...roles)) throw new AppError('FORBIDDEN', '您没有执行此操作的权限');
  return staff;
}
