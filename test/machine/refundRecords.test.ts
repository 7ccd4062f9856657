import { canMove, REFUND_MOVES, REFUND_STATUSES, OPEN_REFUND_STATUSES, IN_FLIGHT_REFUND_STATUSES, type RefundStatus } from '../../cloudfunctions/core/machine/refundRecords';

const ALL = Object.keys(REFUND_STATUSES) as RefundStatus[];

describe('the refund-record table', () => {
  it('lists every status once, with Chinese labels, and moves only between known statuses', () => {
    expect(ALL.sort()).toEqual(['ABNORMAL', 'CLOSED', 'CREATED', 'FAILED', 'OFFLINE', 'PROCESSING', 'SUCCESS', 'UNKNOWN']);
    for (const s of ALL) {
      expect(REFUND_STATUSES[s].label).toMatch(/[\u4e00-\u9fff]/);
      for (const to of REFUND_MOVES[s]) expect(ALL).toContain(to);
    }
  });
  it('SUCCESS and CLOSED are final; a closed share frees its amount', () => {
    for (const to of ALL) {
      expect(canMove('SUCCESS', to)).toBe(false);
      expect(canMove('CLOSED', to)).toBe(false);
    }
    expect(REFUND_STATUSES.CLOSED.live).toBe(false);
    expect(REFUND_STATUSES.SUCCESS.live).toBe(true);
  });
  it('nothing in flight may be recorded as an offline refund (the platform may still pay)', () => {
    for (const s of IN_FLIGHT_REFUND_STATUSES) expect(canMove(s, 'OFFLINE')).toBe(false);
    expect([...OPEN_REFUND_STATUSES].sort()).toEqual(['CREATED', 'PROCESSING', 'UNKNOWN']);
  });
  it('the merchant retries what needs the merchant (FAILED, ABNORMAL → CREATED)', () => {
    expect(canMove('FAILED', 'CREATED')).toBe(true);
    expect(canMove('ABNORMAL', 'CREATED')).toBe(true);
    expect(canMove('PROCESSING', 'OFFLINE')).toBe(false);
  });
});
