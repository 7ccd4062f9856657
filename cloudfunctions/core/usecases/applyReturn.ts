/**
 * applyReturn: preview (no writes), apply, modify, cancel, appeal — the buyer's actions.
 * apply = one read of the order (its ledger holds every after-sale the policy
 * needs), one compare-and-set of the ledger that claims the lines, one insert
 * of the after-sale with its first timeline event.
 */
import { createHash } from 'node:crypto';
import {
  applyReturnSchema,
  type AnswerProposalInput,
  type ConfirmExchangeInput,
  type ApplyNewReturnInput,
  type AppealReturnInput,
  type CancelReturnInput,
  type ModifyReturnInput,
  type PreviewReturnInput,
} from '../schemas';
import { proposalOutcome } from '../app/negotiation';
import { postMessage } from './common';
import { afterMove } from './reviewReturn';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { createIfAbsent, findById, findMany } from '../data/db';
import { C } from '../data/collections';
import { previewReturn } from '../policy/preview';
import { shopDateCompact } from '../policy/time';
import { freightPayer, REASONS } from '../policy/reasons';
import { decide } from '../machine/apply';
import { STATUSES } from '../machine/statuses';
import type { EligibilityContext } from '../policy/eligibility/context';
import type { Refusal, RequestedLine, RequestedReplacement, Sku } from '../policy/types';
import { exchangeInfo, requestedReplacements, skusById } from '../app/exchange';
import { CLIENT_ORIGINS, parseInput, requireOpenid, requireOrigin } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { claim, claimEntry, entriesOf, ledgerEntry, newClaimId, type LedgerDoc, type OrderDoc } from '../app/ledger';
import {
  conflict,
  loadOrderAndLedger,
  loadReturn,
  findOrderWith,
  loadReturnWithOrder,
  lostRace,
  normaliseReturn,
  orderRead,
  reloadLedger,
  priorEvent,
  refused,
  requireOwner,
  toCurrent,
  transition,
  type OrderRead,
} from '../app/returns';
import { attachEvidence } from '../app/evidence';
import { eventOf } from '../app/events';
import { returnView } from '../app/view';
import { evidenceOfSide, type EvidenceItem, type ReturnDoc } from '../app/model';

const CLAIM_TRIES = 3;

export async function applyReturn(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(applyReturnSchema, event);
  requireOrigin(caller, CLIENT_ORIGINS);
  const openid = requireOpenid(caller);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  switch (input.action) {
    case 'preview':
      return preview(input, openid, now, settings);
    case 'apply':
      return apply(input, openid, now, settings);
    case 'modify':
      return modify(input, openid, now, settings);
    case 'cancel':
      return cancel(input, openid, now, settings);
    case 'appeal':
      return appeal(input, openid, now, settings);
    case 'acceptProposal':
    case 'declineProposal':
      return answerProposal(input, openid, now, settings);
    case 'confirmExchange':
      return confirmExchange(input, openid, now, settings);
    case 'message': {
      const ret = await ownReturn(input.returnId, openid);
      const stored = await postMessage(ret, { role: 'BUYER', openid }, input, now, settings);
      return ok({ return: returnView(stored, { role: 'BUYER', now, policy: settings.policy }) });
    }
  }
}

/**
 * apply's one read: the order, its ledger and the caller's after-sale made
 * with the same (buyer, requestId), if any (index buyer_applyKey). An order
 * that does not exist still answers a repeated request with its after-sale.
 */
async function loadOrderForApply(
  orderId: string,
  openid: string,
  applyKey: string,
  settings: ShopSettings,
): Promise<{ earlier: ReturnDoc } | (OrderRead & { earlier?: undefined })> {
  const byKey = { buyerOpenid: openid, applyKey };
  const found = await findOrderWith(orderId, [{ from: C.returns, pipeline: [{ $match: byKey }, { $limit: 1 }], as: 'earlier' }]);
  const earlier = found ? (found.joined.earlier[0] as ReturnDoc | undefined) : (await findMany<ReturnDoc>(C.returns, byKey, { limit: 1 }))[0];
  if (earlier) return { earlier };
  if (!found) throw new AppError('NOT_FOUND', '订单不存在');
  return orderRead(found.rawOrder, found.rawLedger, settings, found.returns);
}

function ownOrder(order: OrderDoc, openid: string): OrderDoc {
  if (order.buyerOpenid !== openid) throw new AppError('FORBIDDEN', '这不是您的订单，不能申请售后');
  return order;
}

function context(
  order: OrderDoc,
  ledger: LedgerDoc,
  openid: string,
  req: { type: EligibilityContext['type']; reason: EligibilityContext['reason']; lines: RequestedLine[]; replacements?: RequestedReplacement[] },
  evidenceCount: number,
  now: Date,
  settings: ShopSettings,
  excludeReturnId?: string,
  skus: Sku[] = [],
): EligibilityContext {
  return {
    order,
    callerOpenid: openid,
    type: req.type,
    reason: req.reason,
    lines: req.lines,
    replacements: req.replacements,
    skus,
    evidenceCount,
    priorReturns: entriesOf(ledger),
    excludeReturnId,
    now,
    policy: settings.policy,
  };
}

/**
 * NOT_ELIGIBLE with every refusal — or RETURN_ALREADY_OPEN when an open
 * after-sale is all that stands in the way (the units it holds also make the
 * request exceed what is left of the line: that QUANTITY_EXCEEDED is its
 * consequence, not another reason).
 */
function refuse(refusals: Refusal[]): never {
  const open = refusals.filter((r) => r.code === 'RETURN_ALREADY_OPEN');
  const openLines = new Set(open.map((r) => r.lineId));
  const onlyOpen = open.length > 0 && refusals.every((r) => r.code === 'RETURN_ALREADY_OPEN' || (r.code === 'QUANTITY_EXCEEDED' && openLines.has(r.lineId)));
  if (onlyOpen) throw new AppError('RETURN_ALREADY_OPEN', open[0].message, { refusals });
  throw new AppError('NOT_ELIGIBLE', refusals[0]?.message ?? '不符合售后条件', { refusals });
}

async function preview(input: PreviewReturnInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const { order, ledger } = await loadOrderAndLedger(input.orderId, settings);
  const skus = await skusById((input.replacements ?? []).map((r) => r.skuId));
  const res = previewReturn(context(ownOrder(order, openid), ledger, openid, input, input.evidence?.length ?? 0, now, settings, undefined, skus));
  // How to reach the shop (联系商家) before there is an after-sale to read it from.
  return ok({ ...res, contact: settings.contact ?? null });
}

/** R + yyyymmdd (Shanghai) + 12 digits derived from (buyer, requestId): a repeated apply lands on the same id. */
export function applyKeyOf(openid: string, requestId: string): string {
  return createHash('sha256').update(`${openid}\u0000${requestId}`).digest('hex');
}

export function returnIdFor(applyKey: string, now: Date): string {
  const digits = (BigInt('0x' + applyKey.slice(0, 15)) % 10n ** 12n).toString().padStart(12, '0');
  return `R${shopDateCompact(now)}${digits}`;
}

/** A seller-side reason needs a photo of the buyer's own (staff files do not count as the buyer's evidence). */
function requirePhotoForSellerReason(reason: keyof typeof REASONS, evidence: EvidenceItem[]): void {
  if (REASONS[reason].evidenceRequired && !evidenceOfSide(evidence, 'BUYER').some((e) => e.kind === 'PHOTO')) {
    throw new AppError('EVIDENCE_INVALID', `「${REASONS[reason].label}」需要上传至少一张照片凭证`);
  }
}

async function apply(input: ApplyNewReturnInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const applyKey = applyKeyOf(openid, input.requestId);
  // The same (buyer, requestId) already created an after-sale — whatever order this call names, on whatever day: that is the answer.
  // Looked up in the same request as the order and its ledger (one aggregate: the order with both joined).
  const read = await loadOrderForApply(input.orderId, openid, applyKey, settings);
  if (read.earlier) return ok({ return: returnView(normaliseReturn(read.earlier), { role: 'BUYER', now, policy: settings.policy }) });
  const order = ownOrder(read.order, openid);
  let ledger = read.ledger;
  // 换货: the replacements' stock is checked now, and again before they go out.
  const skus = await skusById((input.replacements ?? []).map((r) => r.skuId));
  let verified: EvidenceItem[] | null = null;
  for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
    const mine = entriesOf(ledger).find((p) => p.applyKey === applyKey);
    if (mine) return replayApply(mine.returnId, order, ledger, input, openid, now, settings);

    const ctx = context(order, ledger, openid, input, input.evidence?.length ?? 0, now, settings, undefined, skus);
    const res = previewReturn(ctx);
    if (!res.eligible || !res.amounts) refuse(res.refusals);

    verified ??= await attachEvidence(input.evidence, { role: 'BUYER', openid }, null, settings, now);
    requirePhotoForSellerReason(input.reason, verified);
    if (res.supersedes.length) {
      // Re-applying for lines of a rejected after-sale (goods never sent): withdraw it first, then claim anew.
      await withdrawSuperseded(res.supersedes, openid, now, settings);
      ledger = await reloadLedger(order, settings);
      continue;
    }

    const ret = { ...draftReturn(input, order, openid, applyKey, res, verified, now, settings), claimId: newClaimId() };
    if (await claim(ledger, { [ret._id]: claimEntry(ret, now) })) {
      if (!(await createIfAbsent(C.returns, ret))) {
        // Created meanwhile by a call with the same requestId (maybe for another order): answer with it, release this claim.
        const existing = await loadReturn(ret._id);
        if (existing.orderId !== order._id || existing.applyKey !== applyKey) await claim(ledger, { [ret._id]: null });
        if (existing.applyKey !== applyKey) throw conflict();
        return ok({ return: returnView(existing, { role: 'BUYER', now, policy: settings.policy }) });
      }
      // The staff's message, the order's summary and the shop's consumer follow from its outbox (the sweep).
      return ok({ return: returnView(ret, { role: 'BUYER', now, policy: settings.policy }) });
    }
    ledger = await reloadLedger(order, settings);
  }
  throw conflict();
}

/**
 * Withdraw (cancel) the buyer's REJECTED after-sales a new application
 * replaces. One that moved meanwhile is left alone (the caller re-reads the
 * order and decides again); one whose goods were sent after all still blocks.
 */
async function withdrawSuperseded(returnIds: string[], openid: string, now: Date, settings: ShopSettings): Promise<void> {
  for (const id of returnIds) {
    const ret = await loadReturn(id);
    if (ret.buyerOpenid !== openid || !STATUSES[ret.status].withdrawnByReapply) continue;
    try {
      await transition({ ret, actor: { role: 'BUYER', openid }, action: 'cancel', now, settings, payload: { note: '买家就相同商品重新申请售后，原申请撤销' } });
    } catch (err) {
      if (err instanceof AppError && err.code === 'CONFLICT') continue;
      if (err instanceof AppError && err.code === 'INVALID_STATE') {
        throw new AppError('RETURN_ALREADY_OPEN', `该商品的售后申请（${id}）已被商家拒绝，请在原申请中修改后重新提交，或申请店铺主管复核`, {
          refusals: [{ code: 'RETURN_ALREADY_OPEN', message: err.message }],
        });
      }
      throw err;
    }
  }
}

function draftReturn(
  input: ApplyNewReturnInput,
  order: OrderDoc,
  openid: string,
  applyKey: string,
  res: Pick<ReturnType<typeof previewReturn>, 'lines' | 'amounts' | 'exchange'>,
  evidence: EvidenceItem[],
  now: Date,
  settings: ShopSettings,
): ReturnDoc {
  const t = decide({
    current: { status: null, type: input.type, version: 0 },
    actor: { role: 'BUYER', openid },
    action: 'apply',
    now,
    policy: settings.policy,
    payload: { note: input.description },
  });
  if (!t.ok) throw new AppError('INTERNAL', t.message);
  const draft = {
    _id: returnIdFor(applyKey, now),
    orderId: order._id,
    buyerOpenid: openid,
    type: input.type,
    reason: input.reason,
    description: input.description ?? '',
    lines: res.lines,
    ...t.patch,
    amounts: res.amounts!,
    freightPayer: freightPayer(input.reason),
    ...(res.exchange ? { exchange: exchangeInfo(res.exchange) } : {}),
    evidence,
    refundIds: [],
    attempts: 1,
    applyKey,
    timeline: [{ ...t.event, ...(evidence.length ? { evidence: evidence.map((e) => e.fileID) } : {}), requestId: input.requestId }],
    createdAt: now,
  } as ReturnDoc;
  // Announced like every commit (app/events.ts), through its outbox (app/outbox.ts).
  draft.events = [eventOf(draft, 'apply', null, t.to, 'BUYER', now)];
  draft.outboxPending = true;
  return draft;
}

/** The same (buyer, requestId) again: return what the first call created (re-creating the document if that call died after claiming). */
async function replayApply(returnId: string, order: OrderDoc, ledger: LedgerDoc, input: ApplyNewReturnInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const existing = await findById<ReturnDoc>(C.returns, returnId);
  if (existing) return ok({ return: returnView(await loadReturn(returnId), { role: 'BUYER', now, policy: settings.policy }) });
  // The first call claimed the lines and died before storing the after-sale: rebuild it from that claim — what
  // was checked then — never from this call's input, which must ask for the same thing.
  const entry = entriesOf(ledger).find((p) => p.returnId === returnId)!;
  if (entry.type !== input.type || entry.reason !== input.reason || !sameLines(entry.lines, input.lines)) {
    const message = '该请求编号已用于另一份售后申请，请刷新页面后重新提交';
    throw new AppError('INVALID_ARGUMENT', message, { issues: [{ path: 'requestId', message }] });
  }
  const created = new Date(entry.createdAt);
  const evidence = await attachEvidence(input.evidence, { role: 'BUYER', openid }, null, settings, now);
  requirePhotoForSellerReason(entry.reason, evidence);
  const items = entry.lines.reduce((sum, l) => sum + l.amount, 0);
  // An exchange is rebuilt with this call's replacements (checked again: the first call's were not stored).
  const exchange = entry.type === 'EXCHANGE' ? await replayedExchange(order, ledger, input, openid, now, settings) : null;
  const claimed = { lines: entry.lines, amounts: exchange ? { items: 0, shipping: 0, total: 0 } : { items, shipping: 0, total: items }, exchange };
  const ret = { ...draftReturn(input, order, openid, entry.applyKey, claimed, evidence, created, settings), _id: returnId, ...(entry.claimId ? { claimId: entry.claimId } : {}) };
  // Created meanwhile (maybe for another order, whose claim here is being released): nothing more to write.
  await createIfAbsent(C.returns, ret);
  return ok({ return: returnView(ret, { role: 'BUYER', now, policy: settings.policy }) });
}

async function replayedExchange(order: OrderDoc, ledger: LedgerDoc, input: ApplyNewReturnInput, openid: string, now: Date, settings: ShopSettings) {
  const skus = await skusById((input.replacements ?? []).map((r) => r.skuId));
  const entry = entriesOf(ledger).find((p) => p.applyKey === applyKeyOf(openid, input.requestId));
  const res = previewReturn(context(order, ledger, openid, input, input.evidence?.length ?? 0, now, settings, entry?.returnId, skus));
  if (!res.exchange) refuse(res.refusals);
  return res.exchange;
}

async function ownReturn(returnId: string, openid: string): Promise<ReturnDoc> {
  const ret = await loadReturn(returnId);
  requireOwner(ret, openid);
  return ret;
}

/** The buyer's own after-sale with its order and ledger, in one request (for an action that decides on them). */
async function ownReturnWithOrder(returnId: string, openid: string, settings: ShopSettings): Promise<{ ret: ReturnDoc; loaded?: OrderRead }> {
  const read = await loadReturnWithOrder(returnId, settings);
  requireOwner(read.ret, openid);
  return read;
}

function replayed(ret: ReturnDoc, openid: string, requestId: string, now: Date, settings: ShopSettings): Envelope | null {
  return priorEvent(ret, openid, requestId) ? ok({ return: returnView(ret, { role: 'BUYER', now, policy: settings.policy }) }) : null;
}

/**
 * The ledger moved under a modify: if that was this very request sent twice at
 * once, the twin claimed the ledger and is about to move the after-sale — wait
 * briefly for its timeline event and answer as it did; otherwise CONFLICT.
 */
async function lostLedgerRace(returnId: string, openid: string, requestId: string, now: Date, settings: ShopSettings): Promise<Error> {
  for (let i = 0; i < 5; i++) {
    const outcome = await lostRace(returnId, { role: 'BUYER', openid }, requestId, now, settings);
    if (!(outcome instanceof AppError)) return outcome;
    await new Promise((r) => setTimeout(r, 50));
  }
  return conflict();
}

/** The same lines and quantities, in any order. */
function sameLines(a: readonly { lineId: string; quantity: number }[], b: readonly { lineId: string; quantity: number }[]): boolean {
  return a.length === b.length && a.every((l) => b.some((m) => m.lineId === l.lineId && m.quantity === l.quantity));
}

function sameReplacements(a: readonly RequestedReplacement[], b: readonly RequestedReplacement[]): boolean {
  return a.length === b.length && a.every((r) => b.some((m) => m.lineId === r.lineId && m.skuId === r.skuId));
}

/** A modification that would leave the after-sale as it is (and still use up an attempt) is refused. */
function requireSomeChange(ret: ReturnDoc, input: ModifyReturnInput, newFiles: number): void {
  const changed =
    (input.reason !== undefined && input.reason !== ret.reason) ||
    (input.description !== undefined && input.description !== (ret.description ?? '')) ||
    (input.lines !== undefined && !sameLines(input.lines, ret.lines)) ||
    (input.replacements !== undefined && !sameReplacements(input.replacements, requestedReplacements(ret))) ||
    newFiles > 0;
  if (!changed) {
    throw new AppError('INVALID_ARGUMENT', '修改内容与原申请相同，请至少修改一项后再提交', { issues: [{ path: '', message: '修改内容与原申请相同，请至少修改一项后再提交' }] });
  }
}

async function modify(input: ModifyReturnInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const { ret, loaded } = await ownReturnWithOrder(input.returnId, openid, settings);
  const again = replayed(ret, openid, input.requestId, now, settings);
  if (again) return again;
  const linesChanged = input.lines !== undefined && !sameLines(input.lines, ret.lines);
  // The table decides first (status, deadline, lines fixed once goods were sent): a refused modify writes nothing.
  const allowed = decide({ current: toCurrent(ret), actor: { role: 'BUYER', openid }, action: 'modify', now, policy: settings.policy, payload: { linesChanged } });
  if (!allowed.ok) throw refused(allowed);
  if (!loaded) throw new AppError('NOT_FOUND', '订单不存在');
  const order = ownOrder(loaded.order, openid);
  let ledger = loaded.ledger;
  const lines = input.lines ?? ret.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity }));
  // 换货: new replacements, or the old ones for the lines that stay.
  const replacements = ret.type === 'EXCHANGE' ? (input.replacements ?? requestedReplacements(ret).filter((r) => lines.some((l) => l.lineId === r.lineId))) : input.replacements;
  const next = { type: ret.type, reason: input.reason ?? ret.reason, lines, replacements };
  const skus = await skusById((replacements ?? []).map((r) => r.skuId));
  // From PENDING_REVIEW a modification must change something; from REJECTED an unchanged one resubmits it.
  if (ret.status === allowed.to) requireSomeChange(ret, input, input.evidence?.length ?? 0);
  let added: EvidenceItem[] | null = null;
  for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
    // Other lines are a claim, and this after-sale's own ledger entry is ahead of it (a settlement or another modify
    // of it claimed first, and may still commit): lost, decided before anything is written — the withdrawal of a
    // rejected after-sale below included.
    if (linesChanged && (ledger.entries[ret._id]?.version ?? 0) > ret.version) throw await lostLedgerRace(ret._id, openid, input.requestId, now, settings);
    added ??= await attachEvidence(input.evidence, { role: 'BUYER', openid }, ret, settings, now);
    const evidence = [...ret.evidence, ...added];
    const res = previewReturn(context(order, ledger, openid, next, evidenceOfSide(evidence, 'BUYER').length, now, settings, ret._id, skus));
    if (!res.eligible || !res.amounts) refuse(res.refusals);
    requirePhotoForSellerReason(next.reason, evidence);
    if (res.supersedes.length) {
      // Taking units a rejected after-sale holds (goods never sent) withdraws it, as apply does: a unit has one holder.
      await withdrawSuperseded(res.supersedes, openid, now, settings);
      ledger = await reloadLedger(order, settings);
      continue;
    }
    const changes = {
      reason: next.reason,
      description: input.description ?? ret.description,
      lines: res.lines,
      amounts: res.amounts,
      freightPayer: freightPayer(next.reason),
      ...(res.exchange ? { exchange: exchangeInfo(res.exchange) } : {}),
      evidence,
      attempts: ret.attempts + 1,
      // A modify for other lines is a claim: its commit carries the claim's id (app/ledger.ts overlay).
      ...(linesChanged ? { claimId: newClaimId() } : {}),
    };
    const move = () =>
      transition({
        ret,
        actor: { role: 'BUYER', openid },
        action: 'modify',
        now,
        settings,
        requestId: input.requestId,
        payload: { note: input.description, evidence: added!.map((e) => e.fileID), linesChanged },
        extra: changes,
      });
    // Other lines or quantities take units: claimed in the ledger first (as apply does), then the after-sale moves.
    // Anything else only changes this after-sale: its own compare-and-set is the whole write.
    if (!linesChanged) return ok({ return: returnView((await move()).ret, { role: 'BUYER', now, policy: settings.policy }) });
    const entry = claimEntry({ ...ret, ...changes, status: allowed.to, version: ret.version + 1 } as ReturnDoc, now);
    if (!(await claim(ledger, { [ret._id]: entry }))) throw await lostLedgerRace(ret._id, openid, input.requestId, now, settings);
    try {
      return ok({ return: returnView((await move()).ret, { role: 'BUYER', now, policy: settings.policy }) });
    } catch (err) {
      // The after-sale did not move: put its own entry back in the ledger.
      const current = await loadReturn(ret._id);
      for (let i = 0; i < CLAIM_TRIES; i++) {
        const fresh = await reloadLedger(order, settings);
        if ((fresh.entries[ret._id]?.version ?? 0) > entry.version) break;
        if (await claim(fresh, { [ret._id]: ledgerEntry(current) })) break;
      }
      throw err;
    }
  }
  throw conflict();
}

/**
 * The buyer answers the merchant's proposal. Accepting runs the agreed refund
 * at once (settled from the ledger, never above what it allows; keeping the
 * goods turns a return into a refund only); declining goes back to the
 * merchant, where the proposal was made.
 */
async function answerProposal(input: AnswerProposalInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const { ret, loaded } = await ownReturnWithOrder(input.returnId, openid, settings);
  const again = replayed(ret, openid, input.requestId, now, settings);
  if (again) return again;
  const accept = input.action === 'acceptProposal';
  const p = ret.proposal;
  const keepGoods = !!p && (p.kind === 'PARTIAL_REFUND' || p.kind === 'REFUND_WITHOUT_RETURN');
  const { ret: moved, records } = await transition({
    ret,
    actor: { role: 'BUYER', openid },
    action: input.action,
    now,
    settings,
    requestId: input.requestId,
    payload: { note: input.reason },
    extra: { ...proposalOutcome(ret, accept ? 'ACCEPTED' : 'DECLINED', now), ...(accept && keepGoods ? { type: 'REFUND_ONLY' } : {}) },
    loaded,
    ...(accept && p ? { refund: { requested: p.kind === 'REFUND_WITHOUT_RETURN' ? undefined : p.amount, reason: p.reason, negotiated: true } } : {}),
  });
  const final = accept ? await afterMove(moved, now, settings, records) : moved;
  return ok({ return: returnView(final, { role: 'BUYER', now, policy: settings.policy }) });
}

/** 换货: the buyer received the replacement: the exchange is done (its units are free for a later after-sale). */
async function confirmExchange(input: ConfirmExchangeInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const ret = await ownReturn(input.returnId, openid);
  const again = replayed(ret, openid, input.requestId, now, settings);
  if (again) return again;
  const { ret: stored } = await transition({ ret, actor: { role: 'BUYER', openid }, action: 'confirmExchange', now, settings, requestId: input.requestId });
  return ok({ return: returnView(stored, { role: 'BUYER', now, policy: settings.policy }) });
}

async function cancel(input: CancelReturnInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const { ret, loaded } = await ownReturnWithOrder(input.returnId, openid, settings);
  const again = replayed(ret, openid, input.requestId, now, settings);
  if (again) return again;
  const { ret: stored } = await transition({
    ret,
    actor: { role: 'BUYER', openid },
    action: 'cancel',
    now,
    settings,
    requestId: input.requestId,
    ...(ret.proposal ? { extra: proposalOutcome(ret, 'WITHDRAWN', now) } : {}),
    loaded,
  });
  return ok({ return: returnView(stored, { role: 'BUYER', now, policy: settings.policy }) });
}

async function appeal(input: AppealReturnInput, openid: string, now: Date, settings: ShopSettings): Promise<Envelope> {
  const { ret, loaded } = await ownReturnWithOrder(input.returnId, openid, settings);
  const again = replayed(ret, openid, input.requestId, now, settings);
  if (again) return again;
  const added = await attachEvidence(input.evidence, { role: 'BUYER', openid }, ret, settings, now);
  const { ret: stored } = await transition({
    ret,
    actor: { role: 'BUYER', openid },
    action: 'appeal',
    now,
    settings,
    requestId: input.requestId,
    payload: { note: input.description, evidence: added.map((e) => e.fileID) },
    extra: { evidence: [...ret.evidence, ...added], appeal: { description: input.description, at: now } },
    loaded,
  });
  return ok({ return: returnView(stored, { role: 'BUYER', now, policy: settings.policy }) });
}
