/** uploadEvidence: attach files already uploaded under evidence/<caller openid>/ to an open after-sale. */
import { STAFF_ROLES } from '../machine/transitions';
import { uploadEvidenceSchema } from '../schemas';
import { ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { cas, command } from '../data/db';
import { C } from '../data/collections';
import { parseInput } from '../app/guards';
import { loadSettings } from '../app/settings';
import { verifyEvidence } from '../app/evidence';
import { lostRace, priorEvent } from '../app/returns';
import { returnView } from '../app/view';
import type { TimelineEntry } from '../app/model';
import { buyerOrStaff, requireOpen } from './common';

export async function uploadEvidence(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(uploadEvidenceSchema, event);
  const { ret, acting } = await buyerOrStaff(caller, input.returnId, [...STAFF_ROLES]);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  const view = (r: typeof ret) => ok({ return: returnView(r, { role: acting.role, now, policy: settings.policy }) });
  if (priorEvent(ret, acting.openid, input.requestId)) return view(ret);
  requireOpen(ret);
  const items = await verifyEvidence({
    files: input.files,
    uploader: { role: acting.role, openid: acting.openid },
    attached: ret.evidence,
    settings,
    now,
  });
  if (!items.length) return view(ret);
  const event_: TimelineEntry = {
    at: now,
    actor: { role: acting.role, openid: acting.openid },
    action: 'addEvidence',
    from: ret.status,
    to: ret.status,
    note: `补充凭证 ${items.length} 个`,
    evidence: items.map((i) => i.fileID),
    requestId: input.requestId,
  };
  const _ = command();
  const won = await cas(
    C.returns,
    { _id: ret._id, status: ret.status, version: ret.version },
    {
      evidence: _.push(items),
      timeline: _.push([event_]),
      version: ret.version + 1,
      updatedAt: now,
    },
  );
  if (!won) throw await lostRace(ret._id, acting, input.requestId, now, settings);
  return view({ ...ret, evidence: [...ret.evidence, ...items], timeline: [...ret.timeline, event_], version: ret.version + 1, updatedAt: now });
}
