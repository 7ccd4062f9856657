/**
 * Carriers and tracking-number formats (submitLogistics SELF_SHIP). Pure.
 * Formats follow the carriers' published waybill numbering; OTHER takes any
 * 6–30 letters and digits.
 */
export interface CarrierInfo {
  code: string;
  name: string;
  pattern: RegExp;
  example: string;
}

export const CARRIER_FORMATS: Readonly<Record<string, CarrierInfo>> = Object.freeze({
  SF: { code: 'SF', name: '顺丰速运', pattern: /^SF\d{12,13}$/, example: 'SF1234567890123' },
  JD: { code: 'JD', name: '京东快递', pattern: /^JD[A-Z0-9]{11,13}$/, example: 'JDVA12345678901' },
  YTO: { code: 'YTO', name: '圆通速递', pattern: /^YT\d{13,15}$/, example: 'YT1234567890123' },
  ZTO: { code: 'ZTO', name: '中通快递', pattern: /^\d{12,15}$/, example: '731234567890123' },
  STO: { code: 'STO', name: '申通快递', pattern: /^\d{12,15}$/, example: '773123456789012' },
  YUNDA: { code: 'YUNDA', name: '韵达快递', pattern: /^\d{13,15}$/, example: '4312345678901' },
  EMS: { code: 'EMS', name: 'EMS', pattern: /^([A-Z]{2}\d{9}[A-Z]{2}|\d{13})$/, example: 'EA123456789CN' },
  JTSD: { code: 'JTSD', name: '极兔速递', pattern: /^JT\d{13}$/, example: 'JT1234567890123' },
  DBL: { code: 'DBL', name: '德邦快递', pattern: /^(DPK\d{12}|\d{8,10})$/, example: 'DPK123456789012' },
  OTHER: { code: 'OTHER', name: '其他快递', pattern: /^[A-Za-z0-9]{6,30}$/, example: 'ABC123456' },
});

/** Normalised tracking number (trimmed, upper case, no spaces or dashes) or a Chinese refusal. */
export function checkTrackingNo(carrier: string, raw: string): { ok: true; trackingNo: string } | { ok: false; message: string } {
  const info = CARRIER_FORMATS[carrier];
  if (!info) return { ok: false, message: '不支持的快递公司' };
  const trackingNo = raw.replace(/[\s-]/g, '').toUpperCase();
  if (!info.pattern.test(trackingNo)) {
    return { ok: false, message: `${info.name}的快递单号格式不正确（示例：${info.example}）` };
  }
  return { ok: true, trackingNo };
}

/** A pickup slot must end at least this long after booking (the courier needs time to come). */
export const PICKUP_MIN_LEAD_MS = 60 * 60 * 1000;
/** How far ahead a pickup may be booked. */
export const PICKUP_MAX_AHEAD_DAYS = 7;

/** A pickup slot (epoch ms) bookable at `now`, or a Chinese refusal. */
export function checkPickupSlot(slot: { start: number; end: number }, now: number): { ok: true } | { ok: false; message: string } {
  if (!(slot.end > slot.start)) return { ok: false, message: '预约取件结束时间必须晚于开始时间' };
  if (slot.end < now + PICKUP_MIN_LEAD_MS) return { ok: false, message: '所选取件时间段已过或即将结束，请选择稍后的时间段' };
  if (slot.start > now + PICKUP_MAX_AHEAD_DAYS * 86_400_000) return { ok: false, message: `只能预约 ${PICKUP_MAX_AHEAD_DAYS} 天内的上门取件时间` };
  return { ok: true };
}
