/**
 * submitLogistics: the buyer sends the goods back — SELF_SHIP (carrier +
 * tracking number checked per carrier, optional postage claim for seller-side
 * reasons) or PICKUP (a courier booked through logistics.addOrder). While
 * IN_TRANSIT the buyer may correct it; the correction is on the timeline.
 */
import { submitLogisticsSchema, type SubmitLogisticsInput } from '../schemas';
import { AppError, ok, type Envelope } from '../runtime/envelope';
import { sdk, type Caller } from '../runtime/shell';
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
  let error = '';
  try {
    const res: any = await (sdk() as any).openapi.logistics.cancelOrder({ orderId: old.bookingId, openid: ret.buyerOpenid, deliveryId: 'SF', waybillId: old.waybillId });
    if (Number(res?.errCode ?? res?.errcode ?? 0) !== 0) error = `${res?.errCode ?? res?.errcode} ${res?.errMsg ?? res?.errmsg ?? ''}`.trim();
  } catch (err) {
    error = `${(err as any)?.errCode ?? ''} ${(err as any)?.errMsg ?? (err as Error)?.message ?? err}`.trim();
  }
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
  const to = (ret.returnAddress ?? settings.defaultReturnAddress) as { name?: string; phone?: string; address?: string } | undefined;
  if (!to?.address) throw new AppError('LOGISTICS_INVALID', '商家尚未提供退货地址，暂不能预约上门取件');
  const bookingId = `${ret._id}-v${ret.version}`;
  let res: any;
  try {
    res = await (sdk() as any).openapi.logistics.addOrder({
      addSource: 0,
      orderId: bookingId,
      openid: ret.buyerOpenid,
      deliveryId: 'SF',
      bizId: 'SF_CASH',
      sender: { name: input.pickup.name, mobile: input.pickup.phone, address: input.pickup.address },
      receiver: { name: to.name ?? '商家', mobile: to.phone ?? '', address: to.address },
      cargo: { count: ret.lines.reduce((s, l) => s + l.quantity, 0), weight: 1, spaceX: 30, spaceY: 20, spaceZ: 10, detailList: ret.lines.map((l) => ({ name: l.lineId, count: l.quantity })) },
      shop: { goodsName: `售后退货 ${ret._id}`, goodsCount: ret.lines.length },
      insured: { useInsured: 0, insuredValue: 0 },
      service: { serviceType: 0, serviceName: '标准快递' },
      expectTime: Math.floor(Date.parse(input.pickup.slotStart) / 1000),
    });
  } catch (err) {
    throw new AppError('LOGISTICS_INVALID', '预约上门取件失败，请稍后重试或选择自行寄回', { error: String((err as any)?.errMsg ?? err) });
  }
  const waybillId = res?.waybillId ?? res?.waybill_id;
  if (!waybillId || Number(res?.errCode ?? 0) !== 0) {
    throw new AppError('LOGISTICS_INVALID', '预约上门取件失败，请稍后重试或选择自行寄回', { errCode: res?.errCode, errMsg: res?.errMsg });
  }
  const logistics: Logistics = {
    mode: 'PICKUP',
    carrier: 'SF',
    waybillId: String(waybillId),
    bookingId,
    trackingNo: String(waybillId),
    pickup: { name: input.pickup.name, phone: input.pickup.phone, address: input.pickup.address, slotStart: new Date(input.pickup.slotStart), slotEnd: new Date(input.pickup.slotEnd) },
    submittedAt: now,
  };
  return { logistics, note: `已预约上门取件，运单号 ${waybillId}`, evidence: [] as never[] };
}
