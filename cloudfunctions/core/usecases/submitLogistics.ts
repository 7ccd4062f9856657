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
import { lostRace, priorEvent, refused, toCurrent, transition } from '../app/returns';
import { decide } from '../machine/apply';
import { findRow } from '../machine/transitions';
import { returnView } from '../app/view';
import type { Logistics, ReturnDoc } from '../app/model';
import { checkPickupSlot, checkTrackingNo, CARRIER_FORMATS } from '../policy/logistics';
import { reasonSide } from '../policy/reasons';
import { buyerOwning } from './common';
import { cas } from '../data/db';
import { C } from '../data/collections';

export async function submitLogistics(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  const input = parseInput(submitLogisticsSchema, event);
  const now = new Date();
  const settings = await loadSettings(now.getTime());
  const { ret, openid, loaded } = await buyerOwning(caller, input.returnId, settings);
  if (priorEvent(ret, openid, input.requestId)) return ok({ return: returnView(ret, { role: 'BUYER', now, policy: settings.policy }) });
  const actor = { role: 'BUYER' as const, openid };
  // Which row of the table this is (first submission or a correction), and whether it says yes —
  // before anything is checked with a carrier, booked or cancelled.
  const action = (['submitLogistics', 'correctLogistics'] as const).find((a) => findRow(ret.status, 'BUYER', a, ret.type));
  if (!action) throw new AppError('INVALID_STATE', '当前状态不能填写退货物流');
  const decided = decide({ current: toCurrent(ret), actor, action, now, policy: settings.policy });
  if (!decided.ok) throw refused(decided);

  const old = action === 'correctLogistics' ? liveBooking(ret.logistics) : null;
  if (input.mode === 'SELF_SHIP') checkSelfShip(input, ret);
  else checkSlot(input, now);
  const evidence = input.mode === 'SELF_SHIP' ? await attachEvidence(input.evidence, actor, ret, settings, now, 'WAYBILL') : [];
  // A correction cancels the previous courier booking first: never two couriers for one parcel.
  if (old) {
    const error = await cancelPickup(ret.buyerOpenid, old);
    if (error) {
      throw new AppError('LOGISTICS_INVALID', `原上门取件预约（运单号 ${old.waybillId}）未能取消，快递员可能已取件，暂不能修改物流信息`, { error });
    }
  }
  let logistics: Logistics;
  let note: string;
  try {
    ({ logistics, note } = input.mode === 'SELF_SHIP' ? selfShipLogistics(input, ret, now, settings) : await pickup(input, ret, now, settings));
  } catch (err) {
    if (old) await recordCancelled(ret, old, now);
    // The carrier may refuse a second booking with the same order id: a copy of this request sent at once then answers as its twin did.
    const twin = await lostRace(ret._id, actor, input.requestId, now, settings);
    throw twin instanceof AppError ? err : twin;
  }
  if (action === 'correctLogistics') logistics.corrections = (ret.logistics?.corrections ?? 0) + 1;
  const booked = logistics.mode === 'PICKUP' && logistics.bookingId && logistics.waybillId ? { bookingId: logistics.bookingId, waybillId: logistics.waybillId } : null;
  try {
    const { ret: stored } = await transition({
      ret,
      actor,
      action,
      now,
      settings,
      requestId: input.requestId,
      payload: { note: old ? `${note}；原上门取件预约（运单号 ${old.waybillId}）已取消` : note, evidence: evidence.map((e) => e.fileID) },
      extra: {
        logistics,
        goodsSentAt: ret.goodsSentAt ?? now,
        ...(booked || ret.pickupBookedAt ? { pickupBookedAt: ret.pickupBookedAt ?? now } : {}),
        ...(evidence.length ? { evidence: [...ret.evidence, ...evidence] } : {}),
      },
      loaded,
    });
    return ok({ return: returnView(stored, { role: 'BUYER', now, policy: settings.policy }) });
  } catch (err) {
    // Not committed: nothing may stay booked for it, and a cancelled booking is recorded as cancelled.
    if (booked) {
      const error = await cancelPickup(ret.buyerOpenid, booked);
      if (error) console.error(JSON.stringify({ level: 'warn', msg: 'booking of an uncommitted pickup not cancelled', returnId: ret._id, waybillId: booked.waybillId, error }));
    }
    if (old) await recordCancelled(ret, old, now);
    throw err;
  }
}

/** The courier booking still standing in these logistics (a PICKUP not cancelled), if any. */
function liveBooking(before: Logistics | undefined): { waybillId: string; bookingId: string } | null {
  if (before?.mode !== 'PICKUP' || !before.waybillId || !before.bookingId || before.cancelledAt) return null;
  return { waybillId: before.waybillId, bookingId: before.bookingId };
}

/** The previous booking was cancelled with the carrier but the correction did not go through: say so on the after-sale. */
async function recordCancelled(ret: ReturnDoc, old: { waybillId: string }, now: Date): Promise<void> {
  await cas(C.returns, { _id: ret._id, 'logistics.waybillId': old.waybillId }, { 'logistics.cancelledAt': now }).catch(() => false);
}

function checkSlot(input: Extract<SubmitLogisticsInput, { mode: 'PICKUP' }>, now: Date): void {
  const slot = checkPickupSlot({ start: Date.parse(input.pickup.slotStart), end: Date.parse(input.pickup.slotEnd) }, now.getTime());
  if (!slot.ok) throw new AppError('LOGISTICS_INVALID', slot.message, { field: 'pickup.slotStart' });
}

function checkSelfShip(input: Extract<SubmitLogisticsInput, { mode: 'SELF_SHIP' }>, ret: ReturnDoc): void {
  const checked = checkTrackingNo(input.carrier, input.trackingNo);
  if (!checked.ok) throw new AppError('LOGISTICS_INVALID', checked.message, { field: 'trackingNo' });
  const sellerPays = reasonSide(ret.reason) === 'SELLER';
  if (input.postage !== undefined && ret.exchange) {
    // An exchange moves no money: a seller-side way back is paid by the shop directly (pickup on its account, or 到付).
    throw new AppError('LOGISTICS_INVALID', '换货不退运费：商家原因的换货请预约上门取件（商家付费）或寄到付', { field: 'postage' });
  }
  if (input.postage !== undefined && !sellerPays) {
    throw new AppError('LOGISTICS_INVALID', '因个人原因退货，运费由买家承担，无需填写运费', { field: 'postage' });
  }
  if (input.postage !== undefined && (ret.pickupBookedAt || ret.logistics?.mode === 'PICKUP')) {
    // A courier paid by the merchant was booked in this after-sale (maybe already collected): no postage claim, however the corrections went.
    throw new AppError('LOGISTICS_INVALID', '本售后已预约过商家承担运费的上门取件，改为自行寄回时不能再申请运费补偿', { field: 'postage' });
  }
}

function selfShipLogistics(input: Extract<SubmitLogisticsInput, { mode: 'SELF_SHIP' }>, ret: ReturnDoc, now: Date, settings: ShopSettings): { logistics: Logistics; note: string } {
  const checked = checkTrackingNo(input.carrier, input.trackingNo);
  if (!checked.ok) throw new AppError('LOGISTICS_INVALID', checked.message, { field: 'trackingNo' });
  const sellerPays = reasonSide(ret.reason) === 'SELLER';
  const logistics: Logistics = {
    mode: 'SELF_SHIP',
    carrier: input.carrier,
    trackingNo: checked.trackingNo,
    ...(sellerPays && input.postage !== undefined ? { postage: input.postage } : {}),
    submittedAt: now,
  };
  const carrierName = CARRIER_FORMATS[input.carrier].name;
  const note = `${carrierName} ${checked.trackingNo}${logistics.postage ? `，申请运费 ${(logistics.postage / 100).toFixed(2)} 元（上限 ${(settings.policy.returnShippingCap / 100).toFixed(2)} 元，商家收货后核定）` : ''}`;
  return { logistics, note };
}

async function pickup(
  input: Extract<SubmitLogisticsInput, { mode: 'PICKUP' }>,
  ret: ReturnDoc,
  now: Date,
  settings: ShopSettings,
): Promise<{ logistics: Logistics; note: string }> {
  const logistics = await bookPickup(input, ret, now, settings);
  return { logistics, note: `已预约上门取件，运单号 ${logistics.waybillId}` };
}
