/**
 * The courier pickup adapter (logistics.addOrder / cancelOrder): the only
 * place that talks to the carrier. The use case decides first (the transition
 * table must say yes before anything is booked), then books, then commits;
 * a booking whose commit failed is cancelled again.
 */
import { sdk } from '../runtime/shell';
import { AppError } from '../runtime/envelope';
import type { Logistics, ReturnDoc } from './model';
import type { ShopSettings } from './settings';
import type { PickupInput } from '../schemas/submitLogistics';

export interface Booking {
  waybillId: string;
  bookingId: string;
}

/** Book a courier for `ret`'s goods; answers the logistics to store, or throws LOGISTICS_INVALID with the carrier's answer. */
export async function bookPickup(input: PickupInput, ret: ReturnDoc, now: Date, settings: ShopSettings): Promise<Logistics> {
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
  return {
    mode: 'PICKUP',
    carrier: 'SF',
    waybillId: String(waybillId),
    bookingId,
    trackingNo: String(waybillId),
    pickup: { name: input.pickup.name, phone: input.pickup.phone, address: input.pickup.address, slotStart: new Date(input.pickup.slotStart), slotEnd: new Date(input.pickup.slotEnd) },
    submittedAt: now,
  };
}

/** Cancel a booking with the carrier. Answers '' when cancelled, else the carrier's error (never throws). */
export async function cancelPickup(openid: string, booking: Booking): Promise<string> {
  try {
    const res: any = await (sdk() as any).openapi.logistics.cancelOrder({ orderId: booking.bookingId, openid, deliveryId: 'SF', waybillId: booking.waybillId });
    if (Number(res?.errCode ?? res?.errcode ?? 0) !== 0) return `${res?.errCode ?? res?.errcode} ${res?.errMsg ?? res?.errmsg ?? ''}`.trim();
    return '';
  } catch (err) {
    return `${(err as any)?.errCode ?? ''} ${(err as any)?.errMsg ?? (err as Error)?.message ?? err}`.trim();
  }
}
