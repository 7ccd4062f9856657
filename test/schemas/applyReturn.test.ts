import { applyReturnSchema } from '../../cloudfunctions/core/schemas';
import { FILE, RET, RID, USER_INFO, ok, rejectsAt } from './helpers';

const applyInput = {
  action: 'apply',
  requestId: RID,
  orderId: 'O20260301001',
  type: 'RETURN_REFUND',
  reason: 'QUALITY_ISSUE',
  description: '收到时屏幕有划痕',
  lines: [{ lineId: 'L1', quantity: 1 }],
  evidence: [FILE],
};

describe('applyReturn schema', () => {
  test('apply parses', () => {
    expect(ok(applyReturnSchema, applyInput)).toEqual(applyInput);
  });

  test('preview needs no requestId and drops one sent', () => {
    const { requestId, ...rest } = applyInput;
    expect(ok(applyReturnSchema, { ...rest, action: 'preview' })).toEqual({ ...rest, action: 'preview' });
    expect(ok(applyReturnSchema, { ...applyInput, action: 'preview' })).not.toHaveProperty('requestId');
  });

  test('apply requires requestId', () => {
    const { requestId, ...rest } = applyInput;
    expect(rejectsAt(applyReturnSchema, rest, 'requestId').message).toBe('缺少 requestId');
  });

  test('userInfo and identity fields are dropped', () => {
    const out = ok(applyReturnSchema, { ...applyInput, ...USER_INFO, buyerOpenid: 'forged', openid: 'forged', amount: 1 });
    expect(out).not.toHaveProperty('userInfo');
    expect(out).not.toHaveProperty('buyerOpenid');
    expect(out).not.toHaveProperty('openid');
    expect(out).not.toHaveProperty('amount');
  });

  test.each([
    ['requestId', { requestId: 'short' }],
    ['orderId', { orderId: '' }],
    ['type', { type: 'SWAP' }],
    [
      'replacements.1.lineId',
      {
        replacements: [
          { lineId: 'L1', skuId: 'A' },
          { lineId: 'L1', skuId: 'B' },
        ],
      },
    ],
    ['replacements.0.skuId', { replacements: [{ lineId: 'L1', skuId: '' }] }],
    ['reason', { reason: 'BROKEN' }],
    ['description', { description: 'x'.repeat(501) }],
    ['lines', { lines: [] }],
    ['lines.0.quantity', { lines: [{ lineId: 'L1', quantity: 0 }] }],
    ['lines.0.lineId', { lines: [{ quantity: 1 }] }],
    [
      'lines.1.lineId',
      {
        lines: [
          { lineId: 'L1', quantity: 1 },
          { lineId: 'L1', quantity: 2 },
        ],
      },
    ],
    ['evidence.0', { evidence: ['https://example.com/a.jpg'] }],
    ['evidence', { evidence: Array.from({ length: 10 }, (_, i) => `${FILE}${i}`) }],
  ])('apply rejects bad %s', (path, patch) => {
    rejectsAt(applyReturnSchema, { ...applyInput, ...patch }, path);
  });

  test('missing / unknown action', () => {
    rejectsAt(applyReturnSchema, { ...applyInput, action: undefined }, 'action');
    expect(rejectsAt(applyReturnSchema, { ...applyInput, action: 'delete' }, 'action').message).toContain('action');
  });

  test('modify: returnId + optional fields', () => {
    expect(ok(applyReturnSchema, { action: 'modify', requestId: RID, returnId: RET, description: '补充说明' })).toEqual({
      action: 'modify',
      requestId: RID,
      returnId: RET,
      description: '补充说明',
    });
    // nothing but the id: resubmits a REJECTED one unchanged (the use case refuses it for PENDING_REVIEW)
    expect(ok(applyReturnSchema, { action: 'modify', requestId: RID, returnId: RET })).toEqual({ action: 'modify', requestId: RID, returnId: RET });
    expect(ok(applyReturnSchema, { action: 'modify', requestId: RID, returnId: RET, reason: 'DAMAGED', lines: [{ lineId: 'L1', quantity: 2 }], evidence: [FILE] })).toMatchObject({
      reason: 'DAMAGED',
    });
    rejectsAt(applyReturnSchema, { action: 'modify', requestId: RID, returnId: 'R1' }, 'returnId');
    rejectsAt(applyReturnSchema, { action: 'modify', requestId: RID, returnId: RET, lines: [] }, 'lines');
    rejectsAt(applyReturnSchema, { action: 'modify', returnId: RET }, 'requestId');
  });

  test('modify does not accept type / orderId changes (dropped)', () => {
    expect(ok(applyReturnSchema, { action: 'modify', requestId: RID, returnId: RET, reason: 'OTHER', type: 'REFUND_ONLY', orderId: 'O2' })).toEqual({
      action: 'modify',
      requestId: RID,
      returnId: RET,
      reason: 'OTHER',
    });
  });

  test('cancel', () => {
    expect(ok(applyReturnSchema, { action: 'cancel', requestId: RID, returnId: RET, ...USER_INFO })).toEqual({ action: 'cancel', requestId: RID, returnId: RET });
    rejectsAt(applyReturnSchema, { action: 'cancel', requestId: RID }, 'returnId');
  });

  test('appeal requires a description', () => {
    expect(ok(applyReturnSchema, { action: 'appeal', requestId: RID, returnId: RET, description: '商家拒绝理由不成立', evidence: [FILE] })).toMatchObject({ action: 'appeal' });
    expect(rejectsAt(applyReturnSchema, { action: 'appeal', requestId: RID, returnId: RET }, 'description').message).toBe('请填写申诉说明');
    rejectsAt(applyReturnSchema, { action: 'appeal', requestId: RID, returnId: RET, description: '   ' }, 'description');
    rejectsAt(applyReturnSchema, { action: 'appeal', requestId: RID, returnId: RET, description: 'x'.repeat(501) }, 'description');
  });
});
