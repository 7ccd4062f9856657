/**
 * Loading after-sales and running one transition: the pure machine decides,
 * then a single compare-and-set on (id, status, version) stores the new
 * fields and the timeline event together; the order's ledger mirrors it.
 */
import { applyTransition, refusalError, type TimelineEvent, type TransitionErrorCode } from '../machine/apply';
import type { ActionName, Actor, CurrentReturn, TransitionPayload } from '../machine/transitions';
import { Answered, AppError, ok, type ErrorCode } from '../runtime/envelope';
import { cas, command, findById } from '../data/db';
import { C } from '../data/collections';
import { toDate } from '../policy/time';
import type { ReturnDoc, TimelineEntry } from './model';
import { mirrorToOrder } from './ledger';
import type { ShopSettings } from './settings';
import { returnView } from './view';
import type { Role } from '../policy/types';

export async function loadReturn(returnId: string): Promise<ReturnDoc> {
  const ret = await findById<ReturnDoc>(C.returns, returnId);
  if (!ret) throw new AppError('NOT_FOUND', '售后单不存在');
  return normaliseReturn(ret);
}

/** The AppError of a refusal by the transition table. */
export function refused(result: { code: TransitionErrorCode; message: string }): AppError {
  const e = refusalError(result.code, result.message);
  return new AppError(e.code as ErrorCode, e.message, e.details);
}

/** A buyer sees and acts only on their own after-sales; another's answers FORBIDDEN, with no data. */
export function requireOwner(ret: ReturnDoc, openid: string): void {
  if (ret.buyerOpenid !== openid) throw new AppError('FORBIDDEN', '这不是您的售后单，无权查看或操作');
}

export function normaliseReturn(ret: ReturnDoc): ReturnDoc {
  ret.deadline = toDate(ret.deadline) ?? null;
  ret.createdAt = toDate(ret.createdAt) as Date;
  ret.updatedAt = toDate(ret.updatedAt) as Date;
  if (ret.nextReminderAt) ret.nextReminderAt = toDate(ret.nextReminderAt) ?? null;
  if (ret.lastReminderAt) ret.lastReminderAt = toDate(ret.lastReminderAt) ?? null;
  ret.timeline = (ret.timeline ?? []).map((e) => ({ ...e, at: toDate(e.at) as Date }));
  ret.evidence = ret.evidence ?? [];
  ret.refundIds = ret.refundIds ?? [];
  return ret;
}

export function toCurrent(ret: ReturnDoc): CurrentReturn {
  return {
    status: ret.status,
    type: ret.type,
    version: ret.version,
    deadline: ret.deadline,
    deadlineAction: ret.deadlineAction,
    enteredAt: toDate((ret as any).statusEnteredAt) ?? null,
    lastReminderAt: ret.lastReminderAt ?? null,
    hasLogistics: !!ret.logistics,
    returnAddress: (ret.returnAddress as any) ?? null,
  };
}

/** The earlier call with this (caller, requestId), if it already changed this after-sale. */
export function priorEvent(ret: ReturnDoc, openid: string | undefined, requestId: string | undefined): TimelineEntry | undefined {
  if (!requestId) return undefined;
  return ret.timeline.find((e) => e.requestId === requestId && (e.actor.openid ?? undefined) === openid);
}

export interface TransitionRequest {
  ret: ReturnDoc;
  actor: Actor;
  action: ActionName;
  now: Date;
  settings: ShopSettings;
  payload?: TransitionPayload;
  requestId?: string;
  /** More fields stored in the same compare-and-set (logistics, approvedAmount, ...). */
  extra?: Record<string, unknown>;
  /** Skip mirroring into the order (the caller writes the ledger itself). */
  skipMirror?: boolean;
}

export function conflict(): AppError {
  return new AppError('CONFLICT', '售后单刚刚被其他操作更新，请刷新后重试');
}

/**
 * A compare-and-set lost: CONFLICT — unless the winner was this very request
 * sent twice at once (same caller and requestId on the timeline), which is
 * answered as the winner did.
 */
export async function lostRace(returnId: string, actor: { role: Role; openid?: string }, requestId: string | undefined, now: Date, settings: ShopSettings): Promise<Error> {
  if (!requestId) return conflict();
  const fresh = await loadReturn(returnId);
  if (!priorEvent(fresh, actor.openid, requestId)) return conflict();
  return new Answered(ok({ return: returnView(fresh, { role: actor.role, now, policy: settings.policy }) }));
}

/** Decide with the machine, then store with one compare-and-set. Returns the stored after-sale. */
export async function transition(req: TransitionRequest): Promise<{ ret: ReturnDoc; event: TimelineEntry }> {
  const { ret, actor, action, now, settings } = req;
  const result = applyTransition({
    current: toCurrent(ret),
    actor,
    action,
    now,
    policy: settings.policy,
    payload: { defaultReturnAddress: (settings.defaultReturnAddress as any) ?? null, ...(req.payload ?? {}) },
  });
  if (!result.ok) {
    throw refused(result);
  }
  const event: TimelineEntry = { ...(result.event as TimelineEvent), ...(req.requestId ? { requestId: req.requestId } : {}) };
  const _ = command();
  const data = { ...replaceObjects({ ...result.patch, ...(req.extra ?? {}) }), timeline: _.push([event]) };
  const won = await cas(C.returns, { _id: ret._id, status: ret.status, version: ret.version }, data);
  if (!won) throw await lostRace(ret._id, actor, req.requestId, now, settings);
  const stored = { ...ret, ...result.patch, ...(req.extra ?? {}), timeline: [...ret.timeline, event] } as ReturnDoc;
  if (!req.skipMirror) await mirrorToOrder(stored);
  return { ret: stored, event };
}

/**
 * The SDK flattens nested objects of an update into dot paths (a merge); a
 * sub-document we store (logistics, returnAddress, ...) must replace the old one.
 */
export function replaceObjects(fields: Record<string, unknown>): Record<string, unknown> {
  const _ = command();
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? _.set(v) : v;
  }
  return out;
}
