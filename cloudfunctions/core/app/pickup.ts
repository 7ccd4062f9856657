/**
 * The courier pickup adapter (logistics.getAllAccount / addOrder / cancelOrder):
 * the only place that talks to the carrier. The use case decides first (the
 * transition table must say yes before anything is booked), then books, then
 * commits; a booking whose commit failed is cancelled again.
 *
 * WeChat's 物流助手 books only through a carrier account the shop has bound
 * (getAllAccount: delivery_id, biz_id, status_code 0), with structured
 * sender / receiver addresses (province, city, area, address). The shop's
 * accounts are in `settings.logistics.accounts` (in order of preference); a
 * booking uses the first one WeChat lists as bound. No usable account, an
 * address that cannot be structured, or a carrier refusal → LOGISTICS_INVALID
 * with a Chinese reason and `details.alternative: 'SELF_SHIP'` (the page offers
 * 自行寄回); nothing is booked and nothing is written.
 */
import { openapi, sdkError } from '../runtime/shell';
import { AppError } from '../runtime/envelope';
import { CARRIERS } from '../schemas/submitLogistics';
import type { Logistics, ReturnDoc } from './model';
import { loadSettings, type CarrierAccount, type ShopSettings } from './settings';
import type { PickupInput } from '../schemas/submitLogistics';

export interface Booking {
  waybillId: string;
  bookingId: string;
}

export interface StructuredAddress {
  province: string;
  city: string;
  area: string;
  address: string;
}

const MUNICIPALITIES = ['北京市', '上海市', '天津市', '重庆市'];

/**
 * 省 / 市 / 区 from a one-line Chinese address ("北京市朝阳区示例街道 1 号",
 * "广东省广州市海珠区…", "内蒙古自治区呼和浩特市…"); null when it cannot be told apart.
 */
export function splitAddress(text: string): StructuredAddress | null {
  const s = text.replace(/\s+/g, ' ').trim();
  const muni = MUNICIPALITIES.find((m) => s.startsWith(m) || s.startsWith(m.slice(0, 2)));
  let province: string;
  let rest: string;
  let city: string;
  if (muni) {
    province = muni;
    rest = s.startsWith(muni) ? s.slice(muni.length) : s.slice(2);
    // "北京市北京市朝阳区" / "上海市市辖区浦东新区"
    if (rest.startsWith(muni)) rest = rest.slice(muni.length);
    if (rest.startsWith('市辖区')) rest = rest.slice(3);
    city = muni;
  } else {
    const p = /^(.{2,7}?(?:省|自治区|特别行政区))/.exec(s);
    if (!p) return null;
    province = p[1];
    rest = s.slice(province.length);
    const c = /^(.{1,10}?(?:自治州|地区|盟|市))/.exec(rest);
    if (!c) return null;
    city = c[1];
    rest = rest.slice(city.length);
  }
  const a = /^(.{1,10}?(?:新区|区|县|市|旗))/.exec(rest.trim());
  if (!a) return null;
  const area = a[1];
  const address = rest.trim().slice(area.length).trim();
  if (address.length < 2) return null;
  return { province, city, area, address };
}

function structured(given: { address: string; province?: string; city?: string; area?: string }): StructuredAddress | null {
  if (given.province && given.city && given.area) {
    // The detail line without the region the picker already gave.
    let address = given.address.trim();
    for (const part of [given.province, given.city, given.area]) if (address.startsWith(part)) address = address.slice(part.length).trim();
    return { province: given.province, city: given.city, area: given.area, address: address || given.address.trim() };
  }
  // One line: the region parsed from it, the line itself kept whole as the detail (couriers read it as written).
  const parsed = splitAddress(given.address);
  return parsed && { ...parsed, address: given.address.trim() };
}

/** What WeChat's delivery ids are called in this product's carrier list (api.md CARRIERS). */
function carrierOf(deliveryId: string): string {
  if (deliveryId === 'DB') return 'DBL';
  return (CARRIERS as readonly string[]).includes(deliveryId) ? deliveryId : 'OTHER';
}

function refused(message: string, details: Record<string, unknown>): AppError {
  return new AppError('LOGISTICS_INVALID', message, { alternative: 'SELF_SHIP', ...details });
}

/**
 * Every account in settings.logistics.accounts with what logistics.getAllAccount
 * says of it: bound (status_code 0), under review / refused (another code), or
 * not bound at all. Deploy runs it once the functions are up.
 */
export async function checkCarrierAccounts(settings: ShopSettings): Promise<{ deliveryId: string; bizId: string; bound: boolean; status: string }[]> {
  const res = await openapi('logistics.getAllAccount')({});
  const list: Record<string, unknown>[] = Array.isArray(res?.list) ? res.list : [];
  return settings.logistics.accounts.map((a) => {
    const hit = list.find((x) => (x.deliveryId ?? x.delivery_id) === a.deliveryId && (x.bizId ?? x.biz_id) === a.bizId);
    const code = hit ? Number(hit.statusCode ?? hit.status_code) : null;
    return {
      deliveryId: a.deliveryId,
      bizId: a.bizId,
      bound: code === 0,
      status: hit === undefined ? '未在「物流助手」绑定' : code === 0 ? '已绑定' : `审核中或未通过（status_code ${code}）`,
    };
  });
}

/** The shop's first configured account that WeChat lists as bound (status_code 0). */
async function usableAccount(settings: ShopSettings): Promise<CarrierAccount> {
  const configured = settings.logistics.accounts;
  if (!configured.length) {
    throw refused('本店暂未开通上门取件，请选择「自行寄回」并填写快递单号', { refusal: 'PICKUP_NOT_OFFERED' });
  }
  let list: any[];
  try {
    const res = await openapi('logistics.getAllAccount')({});
    list = Array.isArray(res?.list) ? res.list : [];
  } catch (err) {
    throw refused('暂时无法预约上门取件，请稍后重试或选择「自行寄回」', { refusal: 'CARRIER_UNAVAILABLE', error: String(sdkError(err).errMsg ?? err) });
  }
  const bound = (a: CarrierAccount) =>
    list.find((x) => (x.deliveryId ?? x.delivery_id) === a.deliveryId && (x.bizId ?? x.biz_id) === a.bizId && Number(x.statusCode ?? x.status_code) === 0);
  const account = configured.find(bound);
  if (!account) {
    throw refused('本店的快递账号尚未绑定或正在审核，暂不能预约上门取件，请选择「自行寄回」并填写快递单号', { refusal: 'CARRIER_ACCOUNT_UNBOUND' });
  }
  return account;
}

/** The carrier's refusal in Chinese (errcodes of logistics.addOrder, docs/platform-limits.md). */
function bookingRefusal(code: number, msg: string, resultMsg: string): AppError {
  if (code === 930561 || code === 9300526) {
    return refused(code === 9300526 ? '取件信息过长，请精简联系人或地址后重试，或选择「自行寄回」' : '取件信息不完整，请检查省、市、区和详细地址后重试，或选择「自行寄回」', {
      refusal: 'ADDRESS_REFUSED',
      errCode: code,
      errMsg: msg,
    });
  }
  if (code === 9300501) {
    return refused(`快递公司未受理上门取件${resultMsg ? `（${resultMsg}）` : ''}，请选择「自行寄回」或稍后重试`, { refusal: 'CARRIER_REFUSED', errCode: code, errMsg: msg });
  }
  return refused('预约上门取件失败，请稍后重试或选择「自行寄回」', { refusal: 'CARRIER_ERROR', errCode: code, errMsg: msg });
}

/** Book a courier for `ret`'s goods; answers the logistics to store, or throws LOGISTICS_INVALID (nothing booked). */
export async function bookPickup(input: PickupInput, ret: ReturnDoc, now: Date, settings: ShopSettings): Promise<Logistics> {
  const to = (ret.returnAddress ?? settings.defaultReturnAddress) as
    | { name?: string; phone?: string; address?: string; province?: string; city?: string; area?: string }
    | undefined;
  if (!to?.address) throw refused('商家尚未提供退货地址，暂不能预约上门取件', { refusal: 'NO_RETURN_ADDRESS' });
  const p = input.pickup;
  const sender = structured(p);
  if (!sender) {
    throw new AppError('LOGISTICS_INVALID', '请选择取件地址所在的省、市、区', { field: 'pickup.province', alternative: 'SELF_SHIP', refusal: 'ADDRESS_NOT_STRUCTURED' });
  }
  const receiver = structured({ address: to.address, province: to.province, city: to.city, area: to.area });
  if (!receiver) throw refused('商家退货地址缺少省、市、区，暂不能预约上门取件，请选择「自行寄回」', { refusal: 'RETURN_ADDRESS_NOT_STRUCTURED' });
  const account = await usableAccount(settings);
  const bookingId = `${ret._id}-v${ret.version}`;
  let res: any;
  try {
    res = await openapi('logistics.addOrder')({
      addSource: 0,
      orderId: bookingId,
      openid: ret.buyerOpenid,
      deliveryId: account.deliveryId,
      bizId: account.bizId,
      sender: { name: p.name, mobile: p.phone, ...sender },
      receiver: { name: to.name || '商家售后', mobile: to.phone ?? '', ...receiver },
      cargo: {
        count: ret.lines.reduce((s, l) => s + l.quantity, 0),
        weight: 1,
        spaceX: 30,
        spaceY: 20,
        spaceZ: 10,
        detailList: ret.lines.map((l) => ({ name: l.lineId, count: l.quantity })),
      },
      shop: { goodsName: `售后退货 ${ret._id}`, goodsCount: ret.lines.reduce((s, l) => s + l.quantity, 0) },
      insured: { useInsured: 0, insuredValue: 0 },
      service: { serviceType: account.serviceType ?? 0, serviceName: account.serviceName ?? '标准快递' },
      expectTime: Math.floor(Date.parse(p.slotStart) / 1000),
    });
  } catch (err) {
    const e = err as { errCode?: number; errMsg?: string };
    throw bookingRefusal(Number(e?.errCode), String(e?.errMsg ?? err), '');
  }
  const code = Number(res?.errCode ?? 0);
  const waybillId = res?.waybillId ?? res?.waybill_id;
  if (code !== 0 || !waybillId) throw bookingRefusal(code, String(res?.errMsg ?? ''), String(res?.deliveryResultmsg ?? ''));
  return {
    mode: 'PICKUP',
    carrier: carrierOf(account.deliveryId),
    waybillId: String(waybillId),
    bookingId,
    trackingNo: String(waybillId),
    pickup: {
      name: p.name,
      phone: p.phone,
      address: p.province ? `${sender.province}${sender.city === sender.province ? '' : sender.city}${sender.area}${sender.address}` : p.address,
      slotStart: new Date(p.slotStart),
      slotEnd: new Date(p.slotEnd),
    },
    submittedAt: now,
  };
}

/**
 * Cancel a booking with the carrier. Answers '' when cancelled, else the
 * carrier's error (never throws). The booking was made through one of the
 * shop's accounts: tried in order (an account that does not know the order
 * answers 9300507), SF for a shop without configured accounts.
 */
export async function cancelPickup(openid: string, booking: Booking): Promise<string> {
  const settings = await loadSettings().catch(() => null);
  const ids = [...new Set((settings?.logistics.accounts ?? []).map((a) => a.deliveryId))];
  let last = '';
  for (const deliveryId of ids.length ? ids : ['SF']) {
    try {
      const res = await openapi('logistics.cancelOrder')({ orderId: booking.bookingId, openid, deliveryId, waybillId: booking.waybillId });
      if (Number(res?.errCode ?? res?.errcode ?? 0) === 0) return '';
      last = `${res?.errCode ?? res?.errcode} ${res?.errMsg ?? res?.errmsg ?? ''}`.trim();
    } catch (err) {
      last = `${sdkError(err).errCode ?? ''} ${sdkError(err).errMsg ?? sdkError(err).message ?? err}`.trim();
      if (Number(sdkError(err).errCode) !== 9300507) return last;
    }
  }
  return last;
}
