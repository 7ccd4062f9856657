/**
 * The WeChat Pay sandbox behind cloud.cloudPay.*, exercised through the real
 * SDK inside the `payer` fixture, with notifications delivered to the
 * `payCallback` fixture (SOURCE wx_paycallback).
 */
import { startHarness, type Harness } from './harness';
import { invoke } from '../../../scripts/emulator/functions';
import { REDELIVERY_SCHEDULE_MS } from '../../../scripts/emulator/pay';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let h: Harness;
let seq = 0;

beforeAll(async () => {
  // Real-time ticking off (tickMs far away): deliveries happen on clock moves and flushes only.
  h = await startHarness({ pay: { tickMs: 3600e3, notifyDelayMs: 5000 } });
});

afterAll(async () => {
  await h?.close();
});

/** A fresh paid order with one payment. */
async function paidOrder(amount: number): Promise<string> {
  const outTradeNo = `T${Date.now()}${++seq}`;
  await h.emu.db.insert('orders', [
    {
      _id: `O${outTradeNo}`,
      buyerOpenid: 'oBuyer',
      status: 'PAID',
      paidAt: new Date(h.emu.clock.now()),
      shippingFee: 0,
      payments: [{ outTradeNo, channel: 'WECHAT_PAY', amount, paidAt: new Date(h.emu.clock.now()) }],
      lines: [],
    },
  ]);
  return outTradeNo;
}

function refundData(outTradeNo: string, outRefundNo: string, refundFee: number, totalFee: number) {
  return {
    functionName: 'payCallback',
    envId: 'local-env',
    sub_mch_id: '1900000109',
    nonce_str: 'n' + outRefundNo,
    out_trade_no: outTradeNo,
    out_refund_no: outRefundNo,
    total_fee: totalFee,
    refund_fee: refundFee,
    refund_desc: '退货退款',
  };
}

/** WeChat Pay wants refunds of one payment ≥ 1 minute apart (the sandbox enforces it by default): wait a virtual minute. */
async function nextMinute(): Promise<void> {
  await h.post('/_local/clock', { advanceMs: 60_000 });
}

const refund = (data: ReturnType<typeof refundData>): Promise<any> => invoke(h.emu, 'payer', { api: 'refund', data }, { source: 'wx_client,scf' });
const queryRefund = (outRefundNo: string): Promise<any> =>
  invoke(h.emu, 'payer', { api: 'queryRefund', data: { sub_mch_id: '1900000109', nonce_str: 'q', out_refund_no: outRefundNo } });

describe('refund rules', () => {
  test('accepted refund: returnCode/resultCode SUCCESS, SDK errCode 0, PROCESSING until due', async () => {
    const trade = await paidOrder(1000);
    const r = await refund(refundData(trade, `RF${++seq}`, 300, 1000));
    expect(r.result).toMatchObject({ errCode: 0, errMsg: 'cloudPay.refund:ok', returnCode: 'SUCCESS', resultCode: 'SUCCESS', refundFee: 300, totalFee: 1000, outTradeNo: trade });
    expect(r.result.refundId).toMatch(/^\d+$/);
    const q = await queryRefund(r.result.outRefundNo);
    expect(q.result).toMatchObject({
      returnCode: 'SUCCESS',
      resultCode: 'SUCCESS',
      refundCount: 1,
      refundStatus_0: 'PROCESSING',
      outRefundNo_0: r.result.outRefundNo,
      refundFee_0: 300,
    });
  });

  test('same out_refund_no, same amount → the same refund, answered as success again', async () => {
    const trade = await paidOrder(1000);
    const no = `RF${++seq}`;
    const a = await refund(refundData(trade, no, 400, 1000));
    const b = await refund(refundData(trade, no, 400, 1000));
    expect(b.result.resultCode).toBe('SUCCESS');
    expect(b.result.refundId).toBe(a.result.refundId);
    expect(h.pay!.refunds().filter((x) => x.outTradeNo === trade)).toHaveLength(1);
  });

  test('same out_refund_no with another refund_fee → REFUND_FEE_MISMATCH (the SDK overwrites err_code with errCode 0)', async () => {
    const trade = await paidOrder(1000);
    const no = `RF${++seq}`;
    await refund(refundData(trade, no, 400, 1000));
    const r = await refund(refundData(trade, no, 500, 1000));
    expect(r.result).toMatchObject({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCode: 0, errCodeDes: '订单金额或退款金额与之前请求不一致，请核实后再试' });
  });

  test('total_fee must be the payment amount; unknown payments are refused', async () => {
    const trade = await paidOrder(1000);
    const r = await refund(refundData(trade, `RF${++seq}`, 100, 999));
    expect(r.result.resultCode).toBe('FAIL');
    expect(r.result.errCodeDes).toMatch(/total_fee/);
    const u = await refund(refundData('T-unknown', `RF${++seq}`, 100, 1000));
    expect(u.result.resultCode).toBe('FAIL');
    expect(u.result.errCodeDes).toMatch(/订单不存在/);
  });

  test('Σ refunds never exceed what was paid', async () => {
    const trade = await paidOrder(1000);
    expect((await refund(refundData(trade, `RF${++seq}`, 600, 1000))).result.resultCode).toBe('SUCCESS');
    await nextMinute();
    expect((await refund(refundData(trade, `RF${++seq}`, 400, 1000))).result.resultCode).toBe('SUCCESS');
    await nextMinute();
    const over = await refund(refundData(trade, `RF${++seq}`, 1, 1000));
    expect(over.result.resultCode).toBe('FAIL');
    expect(over.result.errCodeDes).toBe('订单已全额退款');
  });

  test('more than what is left → INVALID_REQUEST; a refund_fee above total_fee → return_code FAIL "invalid refund_fee"', async () => {
    const trade = await paidOrder(1000);
    expect((await refund(refundData(trade, `RF${++seq}`, 600, 1000))).result.resultCode).toBe('SUCCESS');
    await nextMinute();
    const over = await refund(refundData(trade, `RF${++seq}`, 500, 1000));
    expect(over.result).toMatchObject({ returnCode: 'SUCCESS', resultCode: 'FAIL' });
    expect(over.result.errCodeDes).toMatch(/超过可退金额/);
    const tooBig = await refund(refundData(await paidOrder(300), `RF${++seq}`, 301, 300));
    expect(tooBig.result).toMatchObject({ returnCode: 'FAIL', returnMsg: 'invalid refund_fee' });
    expect(tooBig.result.resultCode).toBeUndefined();
  });

  test('at most 50 refunds per payment', async () => {
    const trade = await paidOrder(100);
    const results: any[] = [];
    for (let i = 0; i < 51; i++) {
      results.push(await refund(refundData(trade, `RF50x${seq}x${i}`, 1, 100)));
      await nextMinute();
    }
    const codes = results.map((x: any) => x.result.resultCode);
    expect(codes.slice(0, 50).every((c: string) => c === 'SUCCESS')).toBe(true);
    expect(codes[50]).toBe('FAIL');
    expect(results[50].result.errCodeDes).toMatch(/50/);
  });

  test('refunds of one payment ≥ 1 minute apart, on by default: FREQUENCY_LIMITED within the minute; the same number goes through after it', async () => {
    const trade = await paidOrder(1000);
    const first = `RF${++seq}`;
    const second = `RF${++seq}`;
    expect((await refund(refundData(trade, first, 100, 1000))).result.resultCode).toBe('SUCCESS');
    // a retry of the same refund is not a new refund: answered as before
    expect((await refund(refundData(trade, first, 100, 1000))).result.resultCode).toBe('SUCCESS');
    await h.post('/_local/clock', { advanceMs: 59_000 });
    const early = await refund(refundData(trade, second, 100, 1000));
    expect(early.result).toMatchObject({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCode: 0 });
    expect(early.result.errCodeDes).toMatch(/频率限制/);
    expect(h.pay!.refunds().some((x) => x.outRefundNo === second)).toBe(false);
    await h.post('/_local/clock', { advanceMs: 1_000 });
    expect((await refund(refundData(trade, second, 100, 1000))).result.resultCode).toBe('SUCCESS');
    // another payment is not held up
    const other = await paidOrder(50);
    expect((await refund(refundData(other, `RF${++seq}`, 50, 50))).result.resultCode).toBe('SUCCESS');
  });
});

describe('scripted faults', () => {
  test('SYSTEMERROR not applied: nothing exists; a retry with the same number succeeds', async () => {
    const trade = await paidOrder(500);
    const no = `RF${++seq}`;
    await h.post('/_local/pay', { refund: [{ errCode: 'SYSTEMERROR' }] });
    const r = await refund(refundData(trade, no, 500, 500));
    expect(r.result).toMatchObject({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCode: 0, errCodeDes: '系统超时' });
    const q = await queryRefund(no);
    expect(q.result.resultCode).toBe('FAIL');
    expect(q.result.errCodeDes).toBe('退款订单查询失败');
    expect((await refund(refundData(trade, no, 500, 500))).result.resultCode).toBe('SUCCESS');
  });

  test('SYSTEMERROR applied: the refund exists although the call failed; the retry returns it', async () => {
    const trade = await paidOrder(500);
    const no = `RF${++seq}`;
    await h.post('/_local/pay', { refund: [{ errCode: 'SYSTEMERROR', applied: true }] });
    expect((await refund(refundData(trade, no, 200, 500))).result.resultCode).toBe('FAIL');
    expect((await queryRefund(no)).result.refundStatus_0).toBe('PROCESSING');
    const retry = await refund(refundData(trade, no, 200, 500));
    expect(retry.result.resultCode).toBe('SUCCESS');
    expect(h.pay!.refunds().filter((x) => x.outRefundNo === no)).toHaveLength(1);
  });

  test('NOTENOUGH, FREQUENCY_LIMITED and return_code FAIL, one per call', async () => {
    const trade = await paidOrder(500);
    await h.post('/_local/pay', { refund: [{ errCode: 'NOTENOUGH' }, { errCode: 'FREQUENCY_LIMITED' }, { returnCode: 'FAIL', returnMsg: 'SYSTEMERROR' }] });
    const no = `RF${++seq}`;
    const a = await refund(refundData(trade, no, 100, 500));
    const b = await refund(refundData(trade, no, 100, 500));
    const c = await refund(refundData(trade, no, 100, 500));
    const d = await refund(refundData(trade, no, 100, 500));
    expect(a.result).toMatchObject({ resultCode: 'FAIL', errCodeDes: '基本账户余额不足，请充值后重新发起' });
    expect(b.result).toMatchObject({ resultCode: 'FAIL', errCodeDes: '频率限制，请稍后重试' });
    expect(c.result).toMatchObject({ returnCode: 'FAIL', returnMsg: 'SYSTEMERROR', errCode: 0 });
    expect(c.result.resultCode).toBeUndefined();
    expect(d.result.resultCode).toBe('SUCCESS');
  });

  test('timeout: the reply is held past the SDK timeout, the call fails, the refund was applied', async () => {
    const trade = await paidOrder(800);
    const no = `RF${++seq}`;
    // payer inits the SDK with timeout 2000 ms; hold 3000 ms.
    await h.post('/_local/pay', { refund: [{ timeout: true, holdMs: 3000 }] });
    const r = await refund(refundData(trade, no, 800, 800));
    expect(r.error).toBeDefined();
    expect(r.error.errMsg).toMatch(/cloudPay\.refund:fail.*timeout/i);
    expect((await queryRefund(no)).result.refundStatus_0).toBe('PROCESSING');
  });
});

describe('refund notifications', () => {
  test('delivered to functionName with SOURCE wx_paycallback when due on the emulator clock; status becomes SUCCESS', async () => {
    const trade = await paidOrder(1000);
    const no = `RF${++seq}`;
    await refund(refundData(trade, no, 1000, 1000));
    await h.pay!.idle();
    expect(h.pay!.refunds().find((x) => x.outRefundNo === no)!.notify.attempts).toBe(0);
    await h.post('/_local/clock', { advanceMs: 6000 });
    await h.pay!.idle();
    const rec = h.pay!.refunds().find((x) => x.outRefundNo === no)!;
    expect(rec.status).toBe('SUCCESS');
    expect(rec.notify.delivered).toBe(true);
    const first = rec.notify.history[0];
    expect(first.ok).toBe(true);
    expect(first.result).toMatchObject({
      errcode: 0,
      source: 'wx_paycallback',
      event: {
        outRefundNo: no,
        outTradeNo: trade,
        refundId: rec.refundId,
        refundFee: 1000,
        settlementRefundFee: 1000,
        totalFee: 1000,
        refundStatus: 'SUCCESS',
        refundRecvAccout: expect.any(String),
      },
    });
    expect((first.result as { event: { successTime: string } }).event.successTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const q = await queryRefund(no);
    expect(q.result.refundStatus_0).toBe('SUCCESS');
    expect(q.result.refundSuccessTime_0).toBe((first.result as { event: { successTime: string } }).event.successTime);
  });

  test('re-delivered on the platform schedule (15 s, 15 s, 30 s, ...) until the callback answers errcode 0', async () => {
    const trade = await paidOrder(300);
    const until = h.emu.clock.now() + 40_000;
    const no = `UNTIL${until}-${++seq}`;
    await refund(refundData(trade, no, 300, 300));
    const attempts = () => h.pay!.refunds().find((x) => x.outRefundNo === no)!.notify;
    const step = async (ms: number) => {
      await h.post('/_local/clock', { advanceMs: ms });
      await h.pay!.idle();
    };
    await step(5_000); // due: first attempt fails
    expect(attempts()).toMatchObject({ attempts: 1, delivered: false });
    await step(10_000); // not yet (15 s after the first try)
    expect(attempts().attempts).toBe(1);
    await step(5_000); // second attempt fails
    expect(attempts().attempts).toBe(2);
    await step(15_000); // third attempt fails (still before `until`)
    expect(attempts().attempts).toBe(3);
    await step(30_000); // fourth succeeds
    expect(attempts()).toMatchObject({ attempts: 4, delivered: true });
    expect(attempts().history.map((x) => x.ok)).toEqual([false, false, false, true]);
    await step(3600e3);
    expect(attempts().attempts).toBe(4);
  });

  test('gives up after the last re-delivery (about two days)', async () => {
    const trade = await paidOrder(300);
    const no = `FAILALL${++seq}`;
    await refund(refundData(trade, no, 300, 300));
    for (let i = 0; i < REDELIVERY_SCHEDULE_MS.length + 3; i++) {
      await h.post('/_local/clock', { advanceMs: 6 * 3600e3 });
      await h.pay!.idle();
    }
    const n = h.pay!.refunds().find((x) => x.outRefundNo === no)!.notify;
    expect(n.attempts).toBe(REDELIVERY_SCHEDULE_MS.length + 1);
    expect(n.gaveUp).toBe(true);
    expect(REDELIVERY_SCHEDULE_MS.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * 24 * 3600e3);
  });

  test('duplicates: the accepted notification is delivered again n times', async () => {
    const trade = await paidOrder(300);
    const no = `RF${++seq}`;
    await h.post('/_local/pay', { callback: { status: 'SUCCESS', duplicates: 2 } });
    await refund(refundData(trade, no, 300, 300));
    const flushed = await h.post('/_local/pay/flush');
    const mine = flushed.json.data.filter((d: any) => d.outRefundNo === no);
    expect(mine).toHaveLength(3);
    expect(mine.map((d: any) => d.duplicate)).toEqual([false, true, true]);
    expect(mine.every((d: any) => d.ok && d.result.source === 'wx_paycallback')).toBe(true);
  });

  test('CHANGE and REFUNDCLOSE outcomes; a closed refund frees its amount', async () => {
    const trade = await paidOrder(300);
    const closedNo = `RF${++seq}`;
    await h.post('/_local/pay', { callback: [{ status: 'REFUNDCLOSE' }, { status: 'CHANGE' }] });
    await refund(refundData(trade, closedNo, 300, 300));
    const flushed = await h.post('/_local/pay/flush');
    const d = flushed.json.data.find((x: any) => x.outRefundNo === closedNo);
    expect(d.result.event.refundStatus).toBe('REFUNDCLOSE');
    expect(d.result.event.successTime).toBeUndefined();
    // a refund notification has no attach (only payment notifications do): state must be found by out_refund_no
    expect(Object.keys(d.result.event).filter((k) => /attach/i.test(k))).toEqual([]);
    expect(d.result.source).toBe('wx_paycallback');
    expect((await queryRefund(closedNo)).result.refundStatus_0).toBe('REFUNDCLOSE');
    await nextMinute();
    const again = `RF${++seq}`;
    expect((await refund(refundData(trade, again, 300, 300))).result.resultCode).toBe('SUCCESS');
    await h.post('/_local/pay/flush');
    expect((await queryRefund(again)).result.refundStatus_0).toBe('CHANGE');
  });

  test('NONE: the notification is dropped, queryRefund still knows the outcome; flush delivers only pending ones', async () => {
    const trade = await paidOrder(300);
    const no = `RF${++seq}`;
    await h.post('/_local/pay', { callback: { status: 'NONE' } });
    await refund(refundData(trade, no, 300, 300));
    const flushed = await h.post('/_local/pay/flush');
    expect(flushed.json.data.filter((x: any) => x.outRefundNo === no)).toHaveLength(0);
    expect((await queryRefund(no)).result.refundStatus_0).toBe('SUCCESS');
    const again = await h.post('/_local/pay/flush');
    expect(again.json.data).toEqual([]);
  });
});

describe('persistence', () => {
  test('the sandbox state survives a restart (append-only log under <dataDir>/pay, as the database)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'emu-pay-persist-'));
    try {
      const first = await startHarness({ pay: { tickMs: 3600e3 }, dataDir: dir });
      const outTradeNo = `TP${Date.now()}`;
      await first.post('/_local/pay', { payments: [{ outTradeNo, amount: 700 }] });
      const r: any = await invoke(first.emu, 'payer', { api: 'refund', data: refundData(outTradeNo, 'RFPERSIST1', 700, 700) });
      expect(r.result.resultCode).toBe('SUCCESS');
      await first.close();
      expect(existsSync(path.join(dir, 'pay', 'snapshot.jsonl'))).toBe(true);

      const second = await startHarness({ pay: { tickMs: 3600e3 }, dataDir: dir });
      try {
        const q: any = await invoke(second.emu, 'payer', { api: 'queryRefund', data: { out_refund_no: 'RFPERSIST1' } });
        expect(q.result).toMatchObject({ resultCode: 'SUCCESS', outRefundNo_0: 'RFPERSIST1', refundFee_0: 700 });
        const same: any = await invoke(second.emu, 'payer', { api: 'refund', data: refundData(outTradeNo, 'RFPERSIST1', 700, 700) });
        expect(same.result.refundId).toBe(r.result.refundId);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
