import { executeRefundSchema } from '../../cloudfunctions/core/schemas';
import { FILE, RET, RID, USER_INFO, ok, rejectsAt } from './helpers';

describe('executeRefund schema', () => {
  test('retry', () => {
    expect(ok(executeRefundSchema, { action: 'retry', requestId: RID, returnId: RET, ...USER_INFO })).toEqual({ action: 'retry', requestId: RID, returnId: RET });
    rejectsAt(executeRefundSchema, { action: 'retry', returnId: RET }, 'requestId');
    rejectsAt(executeRefundSchema, { action: 'retry', requestId: RID }, 'returnId');
  });

  test('markOffline needs a note', () => {
    expect(ok(executeRefundSchema, { action: 'markOffline', requestId: RID, returnId: RET, note: '已通过银行转账退回，流水号 123', evidence: [FILE] })).toMatchObject({
      note: '已通过银行转账退回，流水号 123',
    });
    expect(rejectsAt(executeRefundSchema, { action: 'markOffline', requestId: RID, returnId: RET }, 'note').message).toBe('请填写线下退款说明');
    rejectsAt(executeRefundSchema, { action: 'markOffline', requestId: RID, returnId: RET, note: '' }, 'note');
    rejectsAt(executeRefundSchema, { action: 'markOffline', requestId: RID, returnId: RET, note: 'x'.repeat(501) }, 'note');
  });

  test('internal submit: returnId, requestId optional', () => {
    expect(ok(executeRefundSchema, { action: 'submit', returnId: RET })).toEqual({ action: 'submit', returnId: RET });
    rejectsAt(executeRefundSchema, { action: 'submit', returnId: RET, requestId: 'x' }, 'requestId');
  });

  test('unknown action', () => {
    rejectsAt(executeRefundSchema, { action: 'refund', requestId: RID, returnId: RET }, 'action');
  });
});
