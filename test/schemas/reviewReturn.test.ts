import { reviewReturnSchema } from '../../cloudfunctions/core/schemas';
import { FILE, RET, RID, USER_INFO, ok, rejectsAt } from './helpers';

const base = { requestId: RID, returnId: RET };

describe('reviewReturn schema', () => {
  test('approve, with or without a return address', () => {
    expect(ok(reviewReturnSchema, { ...base, action: 'approve', ...USER_INFO })).toEqual({ ...base, action: 'approve' });
    const returnAddress = { name: '售后部', phone: '0571-88886666', address: '浙江省杭州市余杭区文一西路 969 号', postcode: '311121' };
    expect(ok(reviewReturnSchema, { ...base, action: 'approve', returnAddress, note: '请附上订单号' })).toMatchObject({ returnAddress });
    rejectsAt(reviewReturnSchema, { ...base, action: 'approve', returnAddress: { ...returnAddress, phone: '123' } }, 'returnAddress.phone');
    rejectsAt(reviewReturnSchema, { ...base, action: 'approve', returnAddress: { ...returnAddress, name: '' } }, 'returnAddress.name');
    rejectsAt(reviewReturnSchema, { ...base, action: 'approve', returnAddress: { ...returnAddress, postcode: '31112' } }, 'returnAddress.postcode');
    rejectsAt(reviewReturnSchema, { ...base, action: 'approve', returnAddress: '杭州' }, 'returnAddress');
  });

  test('reject needs a reason', () => {
    expect(ok(reviewReturnSchema, { ...base, action: 'reject', reason: '商品已使用，不支持退货', evidence: [FILE] })).toMatchObject({ reason: '商品已使用，不支持退货' });
    expect(rejectsAt(reviewReturnSchema, { ...base, action: 'reject' }, 'reason').message).toBe('请填写拒绝原因');
    rejectsAt(reviewReturnSchema, { ...base, action: 'reject', reason: ' ' }, 'reason');
    rejectsAt(reviewReturnSchema, { ...base, action: 'reject', reason: 'x'.repeat(501) }, 'reason');
  });

  test('confirmReceipt: refundAmount positive int, with a reason', () => {
    expect(ok(reviewReturnSchema, { ...base, action: 'confirmReceipt' })).toEqual({ ...base, action: 'confirmReceipt' });
    expect(ok(reviewReturnSchema, { ...base, action: 'confirmReceipt', refundAmount: 5000, reason: '配件缺失' })).toMatchObject({ refundAmount: 5000 });
    expect(ok(reviewReturnSchema, { ...base, action: 'confirmReceipt', refundAmount: 5000, note: '包装破损' })).toMatchObject({ refundAmount: 5000 });
    rejectsAt(reviewReturnSchema, { ...base, action: 'confirmReceipt', refundAmount: 5000 }, 'reason');
    for (const refundAmount of [0, -1, 10.5, '5000']) {
      rejectsAt(reviewReturnSchema, { ...base, action: 'confirmReceipt', refundAmount, reason: '调整' }, 'refundAmount');
    }
  });

  test('refuseReceipt needs evidence (≥ 1)', () => {
    expect(ok(reviewReturnSchema, { ...base, action: 'refuseReceipt', evidence: [FILE], reason: '非本店商品' })).toMatchObject({ evidence: [FILE] });
    rejectsAt(reviewReturnSchema, { ...base, action: 'refuseReceipt' }, 'evidence');
    rejectsAt(reviewReturnSchema, { ...base, action: 'refuseReceipt', evidence: [] }, 'evidence');
    rejectsAt(reviewReturnSchema, { ...base, action: 'refuseReceipt', evidence: ['file.jpg'] }, 'evidence.0');
    rejectsAt(reviewReturnSchema, { ...base, action: 'refuseReceipt', evidence: Array.from({ length: 10 }, (_, i) => `${FILE}${i}`) }, 'evidence');
  });

  test('decide needs BUYER | MERCHANT', () => {
    expect(ok(reviewReturnSchema, { ...base, action: 'decide', decision: 'BUYER' })).toMatchObject({ decision: 'BUYER' });
    expect(ok(reviewReturnSchema, { ...base, action: 'decide', decision: 'MERCHANT', note: '证据不足' })).toMatchObject({ decision: 'MERCHANT' });
    expect(ok(reviewReturnSchema, { ...base, action: 'decide', decision: 'BUYER', refundAmount: 100, reason: '部分商品有使用痕迹' })).toMatchObject({ refundAmount: 100 });
    // a lowered amount needs its reason, as at confirmReceipt
    expect(rejectsAt(reviewReturnSchema, { ...base, action: 'decide', decision: 'BUYER', refundAmount: 100 }, 'reason').message).toBe('调整退款金额时请填写原因');
    rejectsAt(reviewReturnSchema, { ...base, action: 'decide' }, 'decision');
    rejectsAt(reviewReturnSchema, { ...base, action: 'decide', decision: 'BOTH' }, 'decision');
    rejectsAt(reviewReturnSchema, { ...base, action: 'decide', decision: 'BUYER', refundAmount: 0 }, 'refundAmount');
  });

  test('shared fields and discriminator', () => {
    rejectsAt(reviewReturnSchema, { action: 'approve', returnId: RET }, 'requestId');
    rejectsAt(reviewReturnSchema, { action: 'approve', requestId: RID }, 'returnId');
    rejectsAt(reviewReturnSchema, { ...base, action: 'approve', note: 'x'.repeat(501) }, 'note');
    rejectsAt(reviewReturnSchema, { ...base, action: 'refund' }, 'action');
    rejectsAt(reviewReturnSchema, { ...base }, 'action');
  });

  test('fields of other actions are dropped', () => {
    expect(ok(reviewReturnSchema, { ...base, action: 'approve', refundAmount: 1, decision: 'BUYER' })).toEqual({ ...base, action: 'approve' });
  });
});
