import { CARRIER_FORMATS, checkPickupSlot, checkTrackingNo, PICKUP_MAX_AHEAD_DAYS } from '../../cloudfunctions/core/policy/logistics';

describe('tracking-number formats', () => {
  it.each(Object.values(CARRIER_FORMATS).map((c) => [c.code, c.example]))('%s accepts its example %s', (carrier, example) => {
    expect(checkTrackingNo(carrier, example)).toEqual({ ok: true, trackingNo: example.toUpperCase() });
  });
  it.each([
    ['SF', '1234567890123'],
    ['SF', 'SF12345'],
    ['JD', 'SF1234567890123'],
    ['YTO', 'YT12'],
    ['ZTO', 'ZT12345678901'],
    ['EMS', 'EA12345678CN'],
    ['JTSD', 'JT123'],
    ['DBL', 'DPK12'],
    ['OTHER', 'AB12'],
    ['OTHER', 'ABC_123456'],
  ])('%s refuses %s with a Chinese message naming the carrier', (carrier, no) => {
    const res = checkTrackingNo(carrier, no);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.message).toContain(CARRIER_FORMATS[carrier].name);
  });
  it('normalises spaces, dashes and case', () => {
    expect(checkTrackingNo('SF', ' sf 1234-5678-90123 ')).toEqual({ ok: true, trackingNo: 'SF1234567890123' });
  });
  it('refuses an unknown carrier', () => {
    expect(checkTrackingNo('UPS', '1Z999AA10123456784').ok).toBe(false);
  });
});

describe('pickup slots', () => {
  const H = 3_600_000;
  const now = Date.parse('2026-01-31T07:30:00Z'); // 15:30 Shanghai
  const slot = (startH: number, endH: number) => ({ start: now + startH * H, end: now + endH * H });

  it('a slot later today or in the next days is bookable', () => {
    expect(checkPickupSlot(slot(0.5, 2.5), now)).toEqual({ ok: true });
    expect(checkPickupSlot(slot(24, 26), now)).toEqual({ ok: true });
    expect(checkPickupSlot(slot(PICKUP_MAX_AHEAD_DAYS * 24, PICKUP_MAX_AHEAD_DAYS * 24 + 2), now)).toEqual({ ok: true });
  });

  it('a slot under way may still be booked while an hour of it is left', () => {
    expect(checkPickupSlot(slot(-1, 1), now)).toEqual({ ok: true });
    expect(checkPickupSlot(slot(-1.5, 0.5), now)).toEqual({ ok: false, message: '所选取件时间段已过或即将结束，请选择稍后的时间段' });
  });

  it('a slot in the past is refused', () => {
    expect(checkPickupSlot(slot(-26, -24), now)).toEqual({ ok: false, message: '所选取件时间段已过或即将结束，请选择稍后的时间段' });
  });

  it('a slot more than 7 days ahead is refused', () => {
    expect(checkPickupSlot(slot(PICKUP_MAX_AHEAD_DAYS * 24 + 1, PICKUP_MAX_AHEAD_DAYS * 24 + 3), now)).toEqual({ ok: false, message: '只能预约 7 天内的上门取件时间' });
  });

  it('an empty or reversed slot is refused', () => {
    expect(checkPickupSlot(slot(2, 2), now).ok).toBe(false);
    expect(checkPickupSlot(slot(3, 2), now).ok).toBe(false);
  });
});
