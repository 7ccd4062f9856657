/**
 * submitLogistics: the buyer sends the goods back — SELF_SHIP (carrier +
 * tracking number checked per carrier, optional postage claim for seller-side
 * reasons) or PICKUP (a courier booked through logistics.addOrder). While
 * IN_TRANSIT the buyer may correct it; the correction is on the timeline.
 */
import { submitLogisticsSchema, type SubmitLogisticsInput } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import type { Caller } from '../runtime/shell';
import { bookPickup, cancelPickup } from '../app/pickup';
import { parseInput } from '../app/guards';
import { loadSettings, type ShopSettings } from '../app/settings';
import { attachEvidence } from '../app/evidence';
import { lostRace, priorEvent, transition } from '../app/returns';
import { returnView } from '../app/view';
import type { Logistics, ReturnDoc } from '../app/model';
import { checkPickupSlot, checkTrackingNo, CARRIER_FORMATS } from '../policy/logistics';
import { reasonSide } from '../policy/reasons';
import { buyerOwning, tellBuyer } from './common';
import { cas } from '../data/db';
import { C } from '../data/collections';

export async function submitLogistics(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(submitLogisticsSchema, event);
  const { ret, openid } = await buyerOwning(caller, input.returnId);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  if (priorEvent(ret, openid, input.requestId)) return ok({ return: returnView(ret, { role: 'BUYER', now, policy: settings.policy }) });
  if (ret.status !== 'AWAITING_SHIPMENT' && ret.status !== 'IN_TRANSIT') {
    throw new AppError('INVALID_STATE', '当前状态不能填写退货物流');
  }
  const correcting = ret.status === 'IN_TRANSIT';
  const { logistics, note, evidence } = input.mode === 'SELF_SHIP' ? await selfShip(input, ret, openid, now, settings) : await pickup(input, ret, now, settings).catch(async (err) => {
    // The carrier may refuse a second booking with the same order id: a copy of this request sent at once then answers as its twin did.
    const twin = await lostRace(ret._id, { role: 'BUYER', openid }, input.requestId, now, settings);
    throw twin instanceof AppError ? err : twin;
  });
  if (correcting) logistics.corrections = (ret.logistics?.corrections ?? 0) + 1;
  const replaced = correcting ? replacedBooking(ret.logistics, logistics) : null;
  let { ret: stored } = await transition({
    ret,
    actor: { role: 'BUYER', openid },
    action: correcting ? 'correctLogistics' : 'submitLogistics',
    now,
    settings,
    requestId: input.requestId,
    payload: { note: replaced ? `${note}；原上门取件预约（运单号 ${replaced.waybillId}）作废` : note, evidence: evidence.map((e) => e.fileID) },
    extra: { logistics, ...(evidence.length ? { evidence: [...ret.evidence, ...evidence] } : {}) },
  });
  if (replaced) stored = await cancelBooking(stored, replaced, now);
  await tellBuyer(stored, now, settings, openid);
  return ok({ return: returnView(stored, { role: 'BUYER', now, policy: settings.policy }) });
}

/** The courier booking a correction replaces (a PICKUP whose waybill changes), if any. */
function replacedBooking(before: Logistics | undefined, after: Logistics): { waybillId: string; bookingId: string } | null {
  if (before?.mode !== 'PICKUP' || !before.waybillId || !before.bookingId) return null;
  if (after.mode === 'PICKUP' && after.waybillId === before.waybillId) return null;
  return { waybillId: before.waybillId, bookingId: before.bookingId };
}

/**
 * Cancel the replaced booking with the carrier, after the correction is stored
 * (a correction that lost its compare-and-set cancels nothing). A failure is
 * kept on the after-sale (`logistics.staleBooking`) for staff to cancel by hand.
 */
async function cancelBooking(ret: ReturnDoc, old: { waybillId: string; bookingId: string }, now: Date): Promise<ReturnDoc> {
  const error = await cancelPickup(ret.buyerOpenid, old);
  if (!error) return ret;
  console.error(JSON.stringify({ level: 'warn', msg: 'replaced pickup booking not cancelled', returnId: ret._id, waybillId: old.waybillId, error }));
  const staleBooking = { ...old, error, at: now };
  const marked = await cas(C.returns, { _id: ret._id, version: ret.version }, { 'logistics.staleBooking': staleBooking });
  return marked && ret.logistics ? { ...ret, logistics: { ...ret.logistics, staleBooking } } : ret;
}

async function selfShip(input: Extract<SubmitLogisticsInput, { mode: 'SELF_SHIP' }>, ret: ReturnDoc, openid: string, now: Date, settings: ShopSettings) {
  const checked = checkTrackingNo(input.carrier, input.trackingNo);
  if (!checked.ok) throw new AppError('LOGISTICS_INVALID', checked.message, { field: 'trackingNo' });
  const sellerPays = reasonSide(ret.reason) === 'SELLER';
  if (input.postage !== undefined && !sellerPays) {
    throw new AppError('LOGISTICS_INVALID', '因个人原因退货，运费由买家承担，无需填写运费', { field: 'postage' });
  }
  if (input.postage !== undefined && ret.logistics?.mode === 'PICKUP') {
    // The courier may already have collected the goods at the merchant's cost: a later switch to self-shipping claims no postage.
    throw new AppError('LOGISTICS_INVALID', '已预约商家承担运费的上门取件，改为自行寄回时不能再申请运费补偿', { field: 'postage' });
  }
  const evidence = await attachEvidence(input.evidence, { role: 'BUYER', openid }, ret, settings, now, 'WAYBILL');
  const logistics: Logistics = {
    mode: 'SELF_SHIP',
    carrier: input.carrier,
    trackingNo: checked.trackingNo,
    ...(sellerPays && input.postage !== undefined ? { postage: input.postage } : {}),
    submittedAt: now,
  };
  const carrierName = CARRIER_FORMATS[input.carrier].name;
  const note = `${carrierName} ${checked.trackingNo}${logistics.postage ? `，申请运费 ${(logistics.postage / 100).toFixed(2)} 元（上限 ${(settings.policy.returnShippingCap / 100).toFixed(2)} 元，商家收货后核定）` : ''}`;
  return { logistics, note, evidence };
}

async function pickup(input: Extract<SubmitLogisticsInput, { mode: 'PICKUP' }>, ret: ReturnDoc, now: Date, settings: ShopSettings) {
  const slot = checkPickupSlot({ start: Date.parse(input.pickup.slotStart), end: Date.parse(input.pickup.slotEnd) }, now.getTime());
  if (!slot.ok) throw new AppError('LOGISTICS_INVALID', slot.message, { field: 'pickup.slotStart' });
  const logistics = await bookPickup(input, ret, now, settings);
  return { logistics, note: `已预约上门取件，运单号 ${logistics.waybillId}`, evidence: [] as never[] };
}
