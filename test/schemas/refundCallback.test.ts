import { refundCallbackSchema, snakeToCamel, normaliseRefundNotification } from '../../cloudfunctions/core/schemas';
import { ok, rejectsAt } from './helpers';

const camel = {
  returnCode: 'SUCCESS',
  appid: 'wx123',
  mchId: '1900000109',
  nonceStr: 'abc',
  outRefundNo: 'RF202603010001a1',
  outTradeNo: 'T202603010001',
  transactionId: '4200000000000000',
  refundId: '50000000000000',
  totalFee: 2300,
  refundFee: 1000,
  settlementRefundFee: 1000,
  refundStatus: 'SUCCESS',
  successTime: '2026-03-05 10:00:00',
  refundRecvAccout: '支付用户零钱',
};

describe('refundCallback schema', () => {
  test('camelCase parses as is', () => {
    expect(ok(refundCallbackSchema, camel)).toEqual(camel);
  });

  test('snake_case is normalised to camelCase; numeric strings become numbers', () => {
    const snake = {
      return_code: 'SUCCESS',
      appid: 'wx123',
      mch_id: '1900000109',
      nonce_str: 'abc',
      out_refund_no: 'RF202603010001a1',
      out_trade_no: 'T202603010001',
      transaction_id: '4200000000000000',
      refund_id: '50000000000000',
      total_fee: '2300',
      refund_fee: '1000',
      settlement_refund_fee: '1000',
      refund_status: 'SUCCESS',
      success_time: '2026-03-05 10:00:00',
      refund_recv_accout: '支付用户零钱',
    };
    expect(ok(refundCallbackSchema, snake)).toEqual(camel);
  });

  test('decrypted req_info is merged up; userInfo dropped', () => {
    const out = ok(refundCallbackSchema, {
      return_code: 'SUCCESS',
      userInfo: { appId: 'wx', openId: 'o' },
      req_info: { out_refund_no: 'RF1', refund_status: 'REFUNDCLOSE', refund_fee: 5 },
    });
    expect(out).toEqual({ returnCode: 'SUCCESS', outRefundNo: 'RF1', refundStatus: 'REFUNDCLOSE', refundFee: 5 });
  });

  test('v3 style amount and statuses are mapped', () => {
    expect(ok(refundCallbackSchema, { out_refund_no: 'RF1', refund_status: 'CLOSED', amount: { total: 100, refund: 40 } })).toEqual({
      outRefundNo: 'RF1',
      refundStatus: 'REFUNDCLOSE',
      totalFee: 100,
      refundFee: 40,
    });
    expect(ok(refundCallbackSchema, { outRefundNo: 'RF1', refundStatus: 'ABNORMAL' })).toMatchObject({ refundStatus: 'CHANGE' });
  });

  test('camelCase wins over its snake_case twin', () => {
    expect(ok(refundCallbackSchema, { outRefundNo: 'A', out_refund_no: 'B' })).toEqual({ outRefundNo: 'A' });
  });

  test.each(['SUCCESS', 'CHANGE', 'REFUNDCLOSE'])('status %s', (refundStatus) => {
    expect(ok(refundCallbackSchema, { outRefundNo: 'RF1', refundStatus })).toMatchObject({ refundStatus });
  });

  test('invalid', () => {
    rejectsAt(refundCallbackSchema, {}, 'outRefundNo');
    rejectsAt(refundCallbackSchema, { refund_status: 'SUCCESS' }, 'outRefundNo');
    rejectsAt(refundCallbackSchema, { out_refund_no: '' }, 'outRefundNo');
    rejectsAt(refundCallbackSchema, { out_refund_no: 'RF1', refund_status: 'PROCESSING' }, 'refundStatus');
    rejectsAt(refundCallbackSchema, { out_refund_no: 'RF1', refund_fee: '-1' }, 'refundFee');
    rejectsAt(refundCallbackSchema, { out_refund_no: 'RF1', refund_fee: '1.5' }, 'refundFee');
    rejectsAt(refundCallbackSchema, { out_refund_no: 'RF1', total_fee: 'abc' }, 'totalFee');
    rejectsAt(refundCallbackSchema, null, '');
  });

  test('helpers', () => {
    expect(snakeToCamel('out_refund_no')).toBe('outRefundNo');
    expect(snakeToCamel('refundFee')).toBe('refundFee');
    expect(normaliseRefundNotification('x')).toBe('x');
  });
});
