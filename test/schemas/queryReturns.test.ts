import { queryReturnsSchema, sweepTimeoutsSchema } from '../../cloudfunctions/core/schemas';
import { RET, USER_INFO, ok, rejectsAt } from './helpers';

describe('queryReturns schema', () => {
  test('get', () => {
    expect(ok(queryReturnsSchema, { action: 'get', returnId: RET, ...USER_INFO })).toEqual({ action: 'get', returnId: RET });
    rejectsAt(queryReturnsSchema, { action: 'get' }, 'returnId');
    rejectsAt(queryReturnsSchema, { action: 'get', returnId: 'abc' }, 'returnId');
  });

  test('list: limit defaults to 20', () => {
    expect(ok(queryReturnsSchema, { action: 'list', scope: 'mine' })).toEqual({ action: 'list', scope: 'mine', limit: 20 });
    expect(ok(queryReturnsSchema, { action: 'list', scope: 'merchant', status: 'PENDING_REVIEW', cursor: 'abc', limit: 50 })).toEqual({
      action: 'list',
      scope: 'merchant',
      status: 'PENDING_REVIEW',
      cursor: 'abc',
      limit: 50,
    });
  });

  test.each([
    ['scope', { scope: 'all' }],
    ['scope', { scope: undefined }],
    ['status', { status: 'OPEN' }],
    ['limit', { limit: 0 }],
    ['limit', { limit: 51 }],
    ['limit', { limit: 2.5 }],
    ['cursor', { cursor: 12 }],
  ])('list rejects bad %s', (path, patch) => {
    rejectsAt(queryReturnsSchema, { action: 'list', scope: 'mine', ...patch }, path);
  });

  test('no requestId needed; unknown action refused', () => {
    rejectsAt(queryReturnsSchema, { action: 'search' }, 'action');
  });
});

describe('sweepTimeouts schema', () => {
  test('empty, null, undefined and timer events parse to {}', () => {
    expect(ok(sweepTimeoutsSchema, {})).toEqual({});
    expect(ok(sweepTimeoutsSchema, undefined)).toEqual({});
    expect(ok(sweepTimeoutsSchema, null)).toEqual({});
    expect(ok(sweepTimeoutsSchema, { Type: 'Timer', TriggerName: 'sweep', Time: '2026-03-05T10:00:00Z', ...USER_INFO })).toEqual({});
  });

  test('budgetMs, batch', () => {
    expect(ok(sweepTimeoutsSchema, { budgetMs: 5000, batch: 100 })).toEqual({ budgetMs: 5000, batch: 100 });
    rejectsAt(sweepTimeoutsSchema, { budgetMs: 0 }, 'budgetMs');
    rejectsAt(sweepTimeoutsSchema, { budgetMs: 1.5 }, 'budgetMs');
    rejectsAt(sweepTimeoutsSchema, { batch: 0 }, 'batch');
    rejectsAt(sweepTimeoutsSchema, { batch: 1001 }, 'batch');
    rejectsAt(sweepTimeoutsSchema, 'now', '');
  });
});
