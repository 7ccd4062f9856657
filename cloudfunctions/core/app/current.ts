/** What the transition table needs to know of a stored after-sale (machine/transitions.ts CurrentReturn). */
import type { CurrentReturn } from '../machine/transitions';
import { toDate } from '../policy/time';
import type { ReturnDoc } from './model';

export function toCurrent(ret: ReturnDoc): CurrentReturn {
  return {
    status: ret.status,
    type: ret.type,
    version: ret.version,
    deadline: ret.deadline,
    deadlineAction: ret.deadlineAction,
    enteredAt: toDate(ret.statusEnteredAt) ?? null,
    lastReminderAt: ret.lastReminderAt ?? null,
    hasLogistics: !!ret.goodsSentAt || !!ret.logistics,
    corrections: ret.logistics?.corrections ?? 0,
    returnAddress: ret.returnAddress ?? null,
  };
}
