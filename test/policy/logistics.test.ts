import { CARRIER_FORMATS, checkTrackingNo } from '../../cloudfunctions/core/policy/logistics';

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
