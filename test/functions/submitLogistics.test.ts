/**
 * submitLogistics end to end: an approved RETURN_REFUND (AWAITING_SHIPMENT)
 * goes IN_TRANSIT with a checked tracking number (SELF_SHIP) or a courier
 * booked through logistics.addOrder (PICKUP); corrections while IN_TRANSIT are
 * on the timeline and keep the deadline; refusals write nothing.
 */
import { rid, jpeg, DEMO, DEMO_RETURN_ADDRESS } from '../support/emulator';
import { useEmulator, fx, expectError, buyer, otherBuyer, merchant } from '../support/functions';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const h = useEmulator();
const { writesNothing, advance, advanceJustPast, returnDoc, approve, scriptOpenApi, seedOneLineOrder, sweep } = fx(h);

const seedOrder = (id: string) => seedOneLineOrder(id, 1, 20000);

async function applyFor(orderId: string, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await h.call(
    'applyReturn',
    { action: 'apply', requestId: rid('apply'), orderId, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }], ...fields },
    buyer,
  );
  expect(res.ok).toBe(true);
  return res.data.return;
}
async function awaitingShipment(orderId: string, fields: Record<string, unknown> = {}): Promise<any> {
  const ret = await applyFor(orderId, fields);
  const approved = await approve(ret.returnId);
  expect(approved.status).toBe('AWAITING_SHIPMENT');
  return approved;
}

function selfShip(returnId: string, fields: Record<string, unknown>, who = buyer, requestId = rid('ship')) {
  return h.call('submitLogistics', { mode: 'SELF_SHIP', requestId, returnId, ...fields }, who);
}

const PICKUP = {
  name: '张三',
  phone: '13912345678',
  address: '北京市朝阳区示例街道 1 号院 2 单元 301',
  slotStart: '',
  slotEnd: '',
};
const iso = (ms: number) => new Date(ms).toISOString();
const hourBefore = (at: string) => iso(Date.parse(at) - HOUR);
/** Tomorrow 10:00–12:00 Shanghai on the emulator clock (moved by some tests). */
beforeEach(async () => {
  const start = Math.floor((await h.now()) / DAY) * DAY + DAY + 2 * HOUR;
  PICKUP.slotStart = iso(start);
  PICKUP.slotEnd = iso(start + 2 * HOUR);
});

describe('SELF_SHIP (O1002, buyer-side reason)', () => {
  let ret: any;

  it('in PENDING_REVIEW → INVALID_STATE, nothing written', async () => {
    ret = await applyFor('O1002');
    const res = await writesNothing(() => selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' }));
    expectError(res, 'INVALID_STATE', '当前状态不能填写退货物流');
  });

  it('input and identity: INVALID_ARGUMENT with paths, UNAUTHENTICATED, another buyer / staff → FORBIDDEN', async () => {
    const bad = await writesNothing(() =>
      h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid(), returnId: ret.returnId, carrier: 'UPS', trackingNo: '单号', postage: -1 }, buyer),
    );
    expectError(bad, 'INVALID_ARGUMENT', '请求参数不正确');
    expect(bad.error.details.issues.map((i: any) => i.path).sort()).toEqual(['carrier', 'postage', 'trackingNo']);
    const mode = await h.call('submitLogistics', { mode: 'BIKE', requestId: rid(), returnId: ret.returnId }, buyer);
    expectError(mode, 'INVALID_ARGUMENT');
    expect(mode.error.details.issues[0]).toMatchObject({ path: 'mode' });
    const pickup = await h.call(
      'submitLogistics',
      { mode: 'PICKUP', requestId: rid(), returnId: ret.returnId, pickup: { ...PICKUP, phone: '12345', slotEnd: hourBefore(PICKUP.slotStart) } },
      buyer,
    );
    expectError(pickup, 'INVALID_ARGUMENT');
    expect(pickup.error.details.issues.map((i: any) => i.path).sort()).toEqual(['pickup.phone', 'pickup.slotEnd']);
    const slots = await h.call(
      'submitLogistics',
      { mode: 'PICKUP', requestId: rid(), returnId: ret.returnId, pickup: { ...PICKUP, slotEnd: hourBefore(PICKUP.slotStart) } },
      buyer,
    );
    expect(slots.error.details.issues).toEqual([{ path: 'pickup.slotEnd', message: '预约取件结束时间必须晚于开始时间' }]);

    expectError(await selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' }, { openid: '' }), 'UNAUTHENTICATED');
    expectError(await writesNothing(() => selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' }, otherBuyer)), 'FORBIDDEN', '这不是您的售后单，无权查看或操作');
    expectError(await writesNothing(() => selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' }, merchant)), 'FORBIDDEN', '这不是您的售后单，无权查看或操作');
  });

  it('approved by the merchant → AWAITING_SHIPMENT with the return address', async () => {
    ret = await approve(ret.returnId);
    expect(ret).toMatchObject({ status: 'AWAITING_SHIPMENT', statusLabel: '待买家寄回', returnAddress: DEMO_RETURN_ADDRESS, nextActor: { role: 'BUYER' } });
    expect(ret.allowedActions.sort()).toEqual([]); // the merchant's view: nothing for the merchant to do now
    const mine = await h.call('queryReturns', { action: 'get', returnId: ret.returnId }, buyer);
    expect(mine.data.return.allowedActions.sort()).toEqual(['cancel', 'submitLogistics']);
  });

  it.each([
    ['SF', 'SF12345', '顺丰速运的快递单号格式不正确（示例：SF1234567890123）'],
    ['JD', 'JD12345678', '京东快递的快递单号格式不正确（示例：JDVA12345678901）'],
    ['YTO', '1234567890123', '圆通速递的快递单号格式不正确（示例：YT1234567890123）'],
    ['ZTO', 'ZT1234567890', '中通快递的快递单号格式不正确（示例：731234567890123）'],
    ['STO', '12345678901', '申通快递的快递单号格式不正确（示例：773123456789012）'],
    ['YUNDA', '123456789012', '韵达快递的快递单号格式不正确（示例：4312345678901）'],
    ['EMS', 'EA123456789', 'EMS的快递单号格式不正确（示例：EA123456789CN）'],
    ['JTSD', 'JT123456789012', '极兔速递的快递单号格式不正确（示例：JT1234567890123）'],
    ['DBL', 'DPK12345', '德邦快递的快递单号格式不正确（示例：DPK123456789012）'],
    ['OTHER', 'A'.repeat(31), '其他快递的快递单号格式不正确（示例：ABC123456）'],
    ['OTHER', 'AB-C12', '其他快递的快递单号格式不正确（示例：ABC123456）'],
  ])('%s %s → LOGISTICS_INVALID, nothing written', async (carrier, trackingNo, message) => {
    const res = await writesNothing(() => selfShip(ret.returnId, { carrier, trackingNo }));
    expectError(res, 'LOGISTICS_INVALID', message);
    expect(res.error.details).toMatchObject({ field: 'trackingNo' });
  });

  it('postage on a buyer-side reason → LOGISTICS_INVALID, nothing written', async () => {
    const res = await writesNothing(() => selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123', postage: 1200 }));
    expectError(res, 'LOGISTICS_INVALID', '因个人原因退货，运费由买家承担，无需填写运费');
    expect(res.error.details).toMatchObject({ field: 'postage' });
  });

  it('a valid SF number (dashes/lower case normalised) → IN_TRANSIT (待商家收货), merchant receive deadline = now + 10 d', async () => {
    const requestId = rid('ship-sf');
    const before = await h.now();
    const res = await selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'sf1234-5678-90123' }, buyer, requestId);
    const after = await h.now();
    expect(res.ok).toBe(true);
    const r = res.data.return;
    expect(r).toMatchObject({ status: 'IN_TRANSIT', statusLabel: '待商家收货', nextActor: { role: 'MERCHANT', phrase: '等待商家确认收货' }, deadlineAction: 'autoReceive' });
    expect(r.logistics).toMatchObject({ mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' });
    expect(r.logistics.postage).toBeUndefined();
    expect(Date.parse(r.deadline)).toBeGreaterThanOrEqual(before + 10 * DAY);
    expect(Date.parse(r.deadline)).toBeLessThanOrEqual(after + 10 * DAY);
    expect(r.timeline.at(-1)).toMatchObject({
      action: 'submitLogistics',
      actionLabel: '填写退货物流',
      from: 'AWAITING_SHIPMENT',
      to: 'IN_TRANSIT',
      note: '顺丰速运 SF1234567890123',
      actor: { role: 'BUYER' },
    });
    expect(r.allowedActions).toEqual(['correctLogistics']);
    const doc = await returnDoc(ret.returnId);
    expect(doc).toMatchObject({ status: 'IN_TRANSIT', logistics: { mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' } });
    expect(doc.timeline.at(-1)).toMatchObject({ requestId, actor: { role: 'BUYER', openid: DEMO.buyer } });
    // the timer's next pass (every minute) writes the order's summary
    await sweep();
    const order = (await h.db('orders')).find((o: any) => o._id === 'O1002');
    expect(order.afterSale.L1).toMatchObject({ returnId: ret.returnId, status: 'IN_TRANSIT' });

    // the same requestId again: same answer, nothing more
    const again = await writesNothing(() => selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer, requestId));
    expect(again.ok).toBe(true);
    expect(again.data.return.version).toBe(r.version);
    ret = r;
  });

  it('the buyer cannot cancel once the goods are in transit', async () => {
    const res = await writesNothing(() => h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: ret.returnId }, buyer));
    expectError(res, 'INVALID_STATE', '当前状态（待商家收货）不能执行此操作');
  });

  it('a correction while IN_TRANSIT is on the timeline (correctLogistics) and keeps the deadline', async () => {
    await advance(HOUR);
    const res = await selfShip(ret.returnId, { carrier: 'OTHER', trackingNo: 'abc123' });
    expect(res.ok).toBe(true);
    const r = res.data.return;
    expect(r.status).toBe('IN_TRANSIT');
    expect(r.deadline).toBe(ret.deadline);
    expect(r.logistics).toMatchObject({ mode: 'SELF_SHIP', carrier: 'OTHER', trackingNo: 'ABC123', corrections: 1 });
    expect(r.timeline.at(-1)).toMatchObject({
      action: 'correctLogistics',
      actionLabel: '修改物流信息',
      from: 'IN_TRANSIT',
      to: 'IN_TRANSIT',
      note: '买家修改了物流信息；其他快递 ABC123',
    });
    const doc = await returnDoc(ret.returnId);
    expect(doc.deadline).toBe((await returnDoc(ret.returnId)).deadline);
    expect(Date.parse(doc.deadline)).toBe(Date.parse(ret.deadline));

    const thirty = await selfShip(ret.returnId, { carrier: 'OTHER', trackingNo: 'Z'.repeat(30) });
    expect(thirty.ok).toBe(true);
    expect(thirty.data.return.logistics).toMatchObject({ trackingNo: 'Z'.repeat(30), corrections: 2 });
    expect(thirty.data.return.deadline).toBe(ret.deadline);
    const invalid = await writesNothing(() => selfShip(ret.returnId, { carrier: 'OTHER', trackingNo: 'ABC12' }));
    expectError(invalid, 'LOGISTICS_INVALID');
    ret = thirty.data.return;
  });

  it('a shop may allow more logistics corrections (policy maxLogisticsCorrections; read within a minute)', async () => {
    const [shop] = (await h.db('settings')).filter((d: any) => d._id === 'shop');
    await h.seed({ settings: [{ ...shop, policy: { ...(shop.policy ?? {}), maxLogisticsCorrections: 50 } }] });
    await advance(61_000);
  });

  it.each([
    ['SF', 'SF1234567890123'],
    ['JD', 'JDVA12345678901'],
    ['YTO', 'YT1234567890123'],
    ['ZTO', '731234567890123'],
    ['STO', '773123456789012'],
    ['YUNDA', '4312345678901'],
    ['EMS', 'EA123456789CN'],
    ['EMS', '1234567890123'],
    ['JTSD', 'JT1234567890123'],
    ['DBL', 'DPK123456789012'],
    ['DBL', '12345678'],
    ['OTHER', 'ABC123'],
  ])('carrier %s accepts %s', async (carrier, trackingNo) => {
    const res = await selfShip(ret.returnId, { carrier, trackingNo });
    expect(res.ok).toBe(true);
    expect(res.data.return.logistics).toMatchObject({ carrier, trackingNo });
    expect(res.data.return.deadline).toBe(ret.deadline);
  });
});

describe('SELF_SHIP with a seller-side reason: postage claim', () => {
  it('postage and the courier receipt are stored; the claim is on the timeline', async () => {
    const photo = await h.upload(`evidence/${DEMO.buyer}/damage-1.jpg`, jpeg());
    const ret = await awaitingShipment('O1003', { reason: 'DAMAGED', lines: [{ lineId: 'L2', quantity: 1 }], evidence: [photo] });
    expect(ret.freightPayer).toBe('SELLER');
    const receipt = await h.upload(`evidence/${DEMO.buyer}/receipt-1.jpg`, jpeg());
    const res = await selfShip(ret.returnId, { carrier: 'ZTO', trackingNo: '731234567890123', postage: 1500, evidence: [receipt] });
    expect(res.ok).toBe(true);
    const r = res.data.return;
    expect(r.status).toBe('IN_TRANSIT');
    expect(r.logistics).toMatchObject({ mode: 'SELF_SHIP', carrier: 'ZTO', trackingNo: '731234567890123', postage: 1500 });
    expect(r.evidence.map((e: any) => [e.fileID, e.kind])).toEqual([
      [photo, 'PHOTO'],
      [receipt, 'WAYBILL'],
    ]);
    expect(r.timeline.at(-1)).toMatchObject({
      action: 'submitLogistics',
      note: '中通快递 731234567890123，申请运费 15.00 元（上限 20.00 元，商家收货后核定）',
      evidence: [receipt],
    });
  });

  it("a receipt that is not the buyer's own file → EVIDENCE_INVALID, nothing written", async () => {
    await seedOrder('S-SL1');
    const photo = await h.upload(`evidence/${DEMO.buyer}/damage-2.jpg`, jpeg());
    const ret = await awaitingShipment('S-SL1', { reason: 'DAMAGED', evidence: [photo] });
    const theirs = await h.upload(`evidence/${DEMO.otherBuyer}/receipt.jpg`, jpeg());
    const res = await writesNothing(() => selfShip(ret.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123', postage: 800, evidence: [theirs] }));
    expectError(res, 'EVIDENCE_INVALID', '凭证文件须由本人上传到 evidence/ 目录');
  });
});

describe('PICKUP', () => {
  let ret: any;

  it('a failed booking → LOGISTICS_INVALID, nothing written', async () => {
    await seedOrder('S-PK1');
    const photo = await h.upload(`evidence/${DEMO.buyer}/pk-1.jpg`, jpeg());
    ret = await awaitingShipment('S-PK1', { reason: 'QUALITY_ISSUE', evidence: [photo] });
    await scriptOpenApi({ 'logistics.addOrder': [{ errCode: 9300501, errMsg: 'delivery logic fail' }] });
    const res = await writesNothing(() => h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: ret.returnId, pickup: PICKUP }, buyer));
    expectError(res, 'LOGISTICS_INVALID', '快递公司未受理上门取件，请选择「自行寄回」或稍后重试');
    expect(res.error.details).toMatchObject({ alternative: 'SELF_SHIP', refusal: 'CARRIER_REFUSED', errCode: 9300501 });
  });

  it('a slot already over, or more than 7 days ahead → LOGISTICS_INVALID before any booking, nothing written', async () => {
    const now = await h.now();
    const before = (await h.outbox()).filter((c: any) => c.api === 'logistics.addOrder').length;
    const past = await writesNothing(() =>
      h.call(
        'submitLogistics',
        { mode: 'PICKUP', requestId: rid(), returnId: ret.returnId, pickup: { ...PICKUP, slotStart: iso(now - 3 * HOUR), slotEnd: iso(now - HOUR) } },
        buyer,
      ),
    );
    expectError(past, 'LOGISTICS_INVALID', '所选取件时间段已过或即将结束，请选择稍后的时间段');
    expect(past.error.details).toMatchObject({ field: 'pickup.slotStart' });
    const far = await writesNothing(() =>
      h.call(
        'submitLogistics',
        { mode: 'PICKUP', requestId: rid(), returnId: ret.returnId, pickup: { ...PICKUP, slotStart: iso(now + 8 * DAY), slotEnd: iso(now + 8 * DAY + 2 * HOUR) } },
        buyer,
      ),
    );
    expectError(far, 'LOGISTICS_INVALID', '只能预约 7 天内的上门取件时间');
    expect((await h.outbox()).filter((c: any) => c.api === 'logistics.addOrder')).toHaveLength(before);
  });

  it('books a courier through logistics.addOrder and stores the waybill → IN_TRANSIT', async () => {
    const res = await h.call('submitLogistics', { mode: 'PICKUP', requestId: rid('pickup'), returnId: ret.returnId, pickup: PICKUP }, buyer);
    expect(res.ok).toBe(true);
    const r = res.data.return;
    const calls = (await h.outbox()).filter((c: any) => c.api === 'logistics.addOrder' && c.function === 'submitLogistics');
    const booked = calls.at(-1);
    expect(booked).toMatchObject({ openid: DEMO.buyer, source: 'wx_client', result: { errCode: 0 } });
    expect(booked.data).toMatchObject({
      order_id: `${ret.returnId}-v${ret.version}`,
      openid: DEMO.buyer,
      delivery_id: 'SF',
      sender: { name: PICKUP.name, mobile: PICKUP.phone, address: PICKUP.address },
      receiver: { name: DEMO_RETURN_ADDRESS.name, mobile: DEMO_RETURN_ADDRESS.phone, address: DEMO_RETURN_ADDRESS.address },
      expect_time: Date.parse(PICKUP.slotStart) / 1000,
    });
    const waybill = booked.result.waybillId;
    expect(waybill).toMatch(/^SF\d+$/);
    expect(r).toMatchObject({
      status: 'IN_TRANSIT',
      logistics: { mode: 'PICKUP', carrier: 'SF', waybillId: waybill, trackingNo: waybill, pickup: { name: PICKUP.name, phone: PICKUP.phone, address: PICKUP.address } },
    });
    expect(Date.parse(r.logistics.pickup.slotStart)).toBe(Date.parse(PICKUP.slotStart));
    expect(r.timeline.at(-1)).toMatchObject({ action: 'submitLogistics', note: `已预约上门取件，运单号 ${waybill}` });
    expect((await returnDoc(ret.returnId)).logistics).toMatchObject({ mode: 'PICKUP', waybillId: waybill });
  });

  it('the approved after-sale needs a return address for a pickup (seller-side, approved with an explicit address)', async () => {
    await seedOrder('S-PK2');
    const photo = await h.upload(`evidence/${DEMO.buyer}/pk-2.jpg`, jpeg());
    const a = await applyFor('S-PK2', { reason: 'WRONG_ITEM', evidence: [photo] });
    const address = { name: '二号仓', phone: '02112345678', address: '上海市闵行区仓储路 9 号' };
    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: a.returnId, returnAddress: address }, merchant);
    expect(approved.ok).toBe(true);
    expect(approved.data.return.returnAddress).toEqual(address);
    const res = await h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: a.returnId, pickup: PICKUP }, buyer);
    expect(res.ok).toBe(true);
    const booked = (await h.outbox()).filter((c: any) => c.api === 'logistics.addOrder').at(-1);
    expect(booked.data.receiver).toMatchObject({ name: address.name, mobile: address.phone, address: address.address });
  });
});

describe('other states', () => {
  it('a REFUND_ONLY after-sale never takes logistics (REFUNDING → INVALID_STATE)', async () => {
    await seedOrder('S-RO1');
    const a = await applyFor('S-RO1', { type: 'REFUND_ONLY' });
    const approved = await approve(a.returnId);
    expect(approved.status).toBe('REFUNDING');
    const res = await writesNothing(() => selfShip(a.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' }));
    expectError(res, 'INVALID_STATE', '当前状态不能填写退货物流');
  });

  it('a cancelled after-sale → INVALID_STATE', async () => {
    await seedOrder('S-CX1');
    const a = await awaitingShipment('S-CX1');
    const c = await h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: a.returnId }, buyer);
    expect(c.data.return.status).toBe('CANCELLED');
    expectError(await writesNothing(() => selfShip(a.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' })), 'INVALID_STATE', '当前状态不能填写退货物流');
  });

  it('after the ship deadline (7 d) → refused, nothing written', async () => {
    await seedOrder('S-LATE');
    const a = await awaitingShipment('S-LATE');
    expect(Date.parse(a.deadline) - Date.parse(a.updatedAt)).toBe(7 * DAY);
    await advanceJustPast(Date.parse(a.deadline));
    const status = (await returnDoc(a.returnId)).status;
    expect(['AWAITING_SHIPMENT', 'CLOSED']).toContain(status);
    const res = await writesNothing(() => selfShip(a.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' }));
    if (status === 'AWAITING_SHIPMENT') expectError(res, 'INVALID_STATE', '寄回期限已过，售后将被关闭');
    else expectError(res, 'INVALID_STATE', '当前状态不能填写退货物流');
  });
});

describe('correcting a PICKUP', () => {
  const bookedFor = async (returnId: string) => (await h.outbox()).filter((c: any) => c.api === 'logistics.addOrder' && String(c.data.order_id).startsWith(`${returnId}-v`));
  const cancelsFor = async (returnId: string) => (await h.outbox()).filter((c: any) => c.api === 'logistics.cancelOrder' && String(c.data.order_id).startsWith(`${returnId}-v`));

  it('switching to self-shipping cancels the courier booking with the carrier, and says so on the timeline', async () => {
    await seedOrder('S-PKC1');
    const a = await awaitingShipment('S-PKC1');
    const booked = await h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: a.returnId, pickup: PICKUP }, buyer);
    expect(booked.ok).toBe(true);
    const waybill = booked.data.return.logistics.waybillId;
    const res = await selfShip(a.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' });
    expect(res.ok).toBe(true);
    const [cancel] = await cancelsFor(a.returnId);
    expect(cancel).toMatchObject({ function: 'submitLogistics', result: { errCode: 0 } });
    expect(cancel.data).toMatchObject({ order_id: `${a.returnId}-v${a.version}`, waybill_id: waybill, openid: DEMO.buyer, delivery_id: 'SF' });
    expect(res.data.return.timeline.at(-1)).toMatchObject({ action: 'correctLogistics' });
    expect(res.data.return.timeline.at(-1).note).toContain(`原上门取件预约（运单号 ${waybill}）已取消`);
    const r = await returnDoc(a.returnId);
    expect(r.logistics).toMatchObject({ mode: 'SELF_SHIP', trackingNo: 'SF1234567890123', corrections: 1 });
    expect(r.logistics.staleBooking).toBeUndefined();
  });

  it("a seller-side pickup switched to self-shipping claims no postage (the courier may have collected at the merchant's cost)", async () => {
    await seedOrder('S-PKC3');
    const photo = await h.upload(`evidence/${DEMO.buyer}/pkc3.jpg`, jpeg());
    const a = await awaitingShipment('S-PKC3', { reason: 'QUALITY_ISSUE', evidence: [photo] });
    expect((await h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: a.returnId, pickup: PICKUP }, buyer)).ok).toBe(true);
    const res = await writesNothing(() => selfShip(a.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123', postage: 1500 }));
    expectError(res, 'LOGISTICS_INVALID', '本售后已预约过商家承担运费的上门取件，改为自行寄回时不能再申请运费补偿');
    expect((await selfShip(a.returnId, { carrier: 'SF', trackingNo: 'SF1234567890123' })).ok).toBe(true);
  });

  it('a new pickup slot cancels the old booking first, then books; a booking the carrier will not cancel stops the correction (nothing written, nothing booked)', async () => {
    await seedOrder('S-PKC2');
    const a = await awaitingShipment('S-PKC2');
    const first = await h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: a.returnId, pickup: PICKUP }, buyer);
    const oldWaybill = first.data.return.logistics.waybillId;
    await scriptOpenApi({ 'logistics.cancelOrder': [{ errCode: 9300506, errMsg: 'order can not be cancelled' }] });
    const later = { ...PICKUP, slotStart: iso(Date.parse(PICKUP.slotStart) + DAY), slotEnd: iso(Date.parse(PICKUP.slotEnd) + DAY) };
    const refused = await writesNothing(() => h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: a.returnId, pickup: later }, buyer));
    expectError(refused, 'LOGISTICS_INVALID', `原上门取件预约（运单号 ${oldWaybill}）未能取消，快递员可能已取件，暂不能修改物流信息`);
    expect(await bookedFor(a.returnId)).toHaveLength(1);

    const res = await h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: a.returnId, pickup: later }, buyer);
    expect(res.ok).toBe(true);
    const newWaybill = res.data.return.logistics.waybillId;
    expect(newWaybill).not.toBe(oldWaybill);
    // The outbox in call order: the old booking's cancellation comes before the new booking.
    const calls = (await h.outbox()).filter((c: any) => String(c.data?.order_id ?? '').startsWith(`${a.returnId}-v`)).map((c: any) => [c.api, c.result?.errCode ?? 0]);
    expect(calls).toEqual([
      ['logistics.addOrder', 0],
      ['logistics.cancelOrder', 9300506],
      ['logistics.cancelOrder', 0],
      ['logistics.addOrder', 0],
    ]);
    const r = await returnDoc(a.returnId);
    expect(r.logistics).toMatchObject({ mode: 'PICKUP', waybillId: newWaybill, corrections: 1 });
    expect(r.logistics.staleBooking).toBeUndefined();
  });
});
