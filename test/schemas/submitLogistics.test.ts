import { submitLogisticsSchema, selfShipSchema, CARRIERS } from '../../cloudfunctions/core/schemas';
import { FILE, RET, RID, USER_INFO, ok, rejectsAt } from './helpers';

const selfShip = { mode: 'SELF_SHIP', requestId: RID, returnId: RET, carrier: 'SF', trackingNo: 'SF1234567890123', postage: 1200 };
const pickup = {
  mode: 'PICKUP',
  requestId: RID,
  returnId: RET,
  pickup: { name: '张三', phone: '13812345678', address: '上海市浦东新区世纪大道 100 号', slotStart: '2026-03-05T09:00:00+08:00', slotEnd: '2026-03-05T11:00:00+08:00' },
};

describe('submitLogistics schema', () => {
  test('SELF_SHIP parses; postage optional; evidence optional', () => {
    expect(ok(submitLogisticsSchema, selfShip)).toEqual(selfShip);
    const { postage, ...noPostage } = selfShip;
    expect(ok(submitLogisticsSchema, noPostage)).toEqual(noPostage);
    expect(ok(submitLogisticsSchema, { ...selfShip, postage: 0, evidence: [FILE] })).toMatchObject({ postage: 0, evidence: [FILE] });
  });

  test('every carrier code', () => {
    expect(CARRIERS).toEqual(['SF', 'JD', 'YTO', 'ZTO', 'STO', 'YUNDA', 'EMS', 'JTSD', 'DBL', 'OTHER']);
    for (const carrier of CARRIERS) ok(submitLogisticsSchema, { ...selfShip, carrier });
  });

  test('trackingNo is trimmed', () => {
    expect(ok(submitLogisticsSchema, { ...selfShip, trackingNo: '  YT1234567890  ' })).toMatchObject({ trackingNo: 'YT1234567890' });
  });

  test.each([
    ['carrier', { carrier: 'DHL' }],
    ['carrier', { carrier: undefined }],
    ['trackingNo', { trackingNo: '' }],
    ['trackingNo', { trackingNo: '12#34' }],
    ['trackingNo', { trackingNo: 'SF12345678_90' }],
    ['trackingNo', { trackingNo: 'x'.repeat(81) }],
    ['postage', { postage: -1 }],
    ['postage', { postage: 12.5 }],
    ['postage', { postage: '1200' }],
    ['returnId', { returnId: 'R1' }],
    ['requestId', { requestId: 'bad id!' }],
  ])('SELF_SHIP rejects bad %s', (path, patch) => {
    rejectsAt(submitLogisticsSchema, { ...selfShip, ...patch }, path);
  });

  test('PICKUP parses; landline accepted; UTC instants accepted', () => {
    expect(ok(submitLogisticsSchema, { ...pickup, ...USER_INFO })).toEqual(pickup);
    ok(submitLogisticsSchema, { ...pickup, pickup: { ...pickup.pickup, phone: '021-61234567', slotStart: '2026-03-05T01:00:00Z', slotEnd: '2026-03-05T03:00:00.000Z' } });
  });

  test.each([
    ['pickup', { pickup: undefined }],
    ['pickup.name', { pickup: { ...pickup.pickup, name: '' } }],
    ['pickup.phone', { pickup: { ...pickup.pickup, phone: '12345678901' } }],
    ['pickup.phone', { pickup: { ...pickup.pickup, phone: undefined } }],
    ['pickup.address', { pickup: { ...pickup.pickup, address: '' } }],
    ['pickup.slotStart', { pickup: { ...pickup.pickup, slotStart: '2026-03-05 09:00' } }],
    ['pickup.slotStart', { pickup: { ...pickup.pickup, slotStart: '2026-03-05T09:00:00' } }],
    ['pickup.slotEnd', { pickup: { ...pickup.pickup, slotEnd: 'tomorrow' } }],
    ['pickup.slotEnd', { pickup: { ...pickup.pickup, slotEnd: '2026-03-05T08:00:00+08:00' } }],
  ])('PICKUP rejects bad %s', (path, patch) => {
    rejectsAt(submitLogisticsSchema, { ...pickup, ...patch }, path);
  });

  test('discrimination on mode: fields of the other mode are dropped / required', () => {
    expect(ok(submitLogisticsSchema, { ...pickup, carrier: 'SF', trackingNo: 'SF1234567890' })).not.toHaveProperty('carrier');
    rejectsAt(submitLogisticsSchema, { ...selfShip, mode: 'PICKUP' }, 'pickup');
    rejectsAt(submitLogisticsSchema, { ...pickup, mode: 'SELF_SHIP' }, 'carrier');
    expect(rejectsAt(submitLogisticsSchema, { ...selfShip, mode: 'POST' }, 'mode').message).toContain('寄回方式');
    rejectsAt(submitLogisticsSchema, { ...selfShip, mode: undefined }, 'mode');
  });
});

describe('submitLogistics schema: tracking numbers as printed', () => {
  it('accepts spaces and dashes copied from a receipt (the carrier check normalises them)', () => {
    const r = selfShipSchema.safeParse({ mode: 'SELF_SHIP', requestId: 'req_0001-abc', returnId: 'R202603010001', carrier: 'SF', trackingNo: ' SF 1234-5678-90123 ' });
    expect(r.success).toBe(true);
  });
});
