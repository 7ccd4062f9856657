/**
 * Negotiation (协商) and messages (留言): what the shell stores besides the
 * transition table's own fields. A proposal is a transition (propose →
 * NEGOTIATING, the buyer accepts / declines, or it lapses); a message never
 * changes the status.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../runtime/envelope';
import { command, database } from '../data/db';
import { C } from '../data/collections';
import { TERMINAL_STATUSES } from '../machine/statuses';
import type { ProposalKind } from '../machine/transitions';
import type { Role } from '../policy/types';
import type { EvidenceItem, Message, Proposal, ReturnDoc } from './model';
import type { ShopSettings } from './settings';

export const MAX_MESSAGE_CHARS = 500;
export const MAX_MESSAGE_PHOTOS = 3;

/** Fields of a new proposal: the open one and the history. */
export function proposalFields(
  ret: ReturnDoc,
  p: { kind: ProposalKind; amount?: number; reason: string; evidence: string[] },
  by: { role: Role; openid?: string },
  now: Date,
): Record<string, unknown> {
  const proposal: Proposal = { kind: p.kind, ...(p.amount !== undefined ? { amount: p.amount } : {}), reason: p.reason, evidence: p.evidence, by, at: now, from: ret.status };
  return { proposal, proposals: [...(ret.proposals ?? []), proposal] };
}

/** Fields that close the open proposal with its outcome. */
export function proposalOutcome(ret: Pick<ReturnDoc, 'proposal' | 'proposals'>, outcome: 'ACCEPTED' | 'DECLINED' | 'LAPSED' | 'WITHDRAWN', now: Date): Record<string, unknown> {
  const open = ret.proposal;
  const history = (ret.proposals ?? []).map((h) => (open && new Date(h.at).getTime() === new Date(open.at).getTime() && !h.outcome ? { ...h, outcome, answeredAt: now } : h));
  return { proposal: null, proposals: history };
}

/**
 * Add a message to a non-terminal after-sale (rate-limited per sender), and
 * count it unread for the other side. Answers the stored message.
 */
export async function addMessage(
  ret: ReturnDoc,
  by: { role: Role; openid?: string },
  text: string,
  files: EvidenceItem[],
  requestId: string,
  now: Date,
  settings: ShopSettings,
): Promise<Message> {
  if (TERMINAL_STATUSES.includes(ret.status)) throw new AppError('INVALID_STATE', '售后单已结束，不能再留言', { refusal: 'RETURN_CLOSED' });
  const hourAgo = now.getTime() - 3_600_000;
  const recent = (ret.messages ?? []).filter((m) => m.by.openid === by.openid && new Date(m.at).getTime() > hourAgo).length;
  if (recent >= settings.policy.maxMessagesPerHour) {
    throw new AppError('INVALID_STATE', `留言太频繁，每小时最多 ${settings.policy.maxMessagesPerHour} 条，请稍后再试`, { refusal: 'MESSAGE_RATE_LIMITED' });
  }
  const message: Message = { id: randomUUID(), by, text, evidence: files.map((f) => f.fileID), at: now, requestId };
  const _ = command();
  const buyer = by.role === 'BUYER';
  const res = await database()
    .collection(C.returns)
    .where({ _id: ret._id, status: _.nin([...TERMINAL_STATUSES]) })
    .update({
      data: { messages: _.push([message]), ...(files.length ? { evidence: _.push(files) } : {}), ...(buyer ? { unreadForStaff: _.inc(1) } : { unreadForBuyer: _.inc(1) }) },
    });
  if (res?.stats?.updated !== 1) throw new AppError('INVALID_STATE', '售后单已结束，不能再留言', { refusal: 'RETURN_CLOSED' });
  return message;
}

/** The caller read the thread: their side's unread count goes back to 0 (no write when it already is). */
export async function markRead(ret: ReturnDoc, role: Role): Promise<void> {
  const field = role === 'BUYER' ? 'unreadForBuyer' : 'unreadForStaff';
  if (!ret[field]) return;
  await database()
    .collection(C.returns)
    .where({ _id: ret._id })
    .update({ data: { [field]: 0 } });
}
