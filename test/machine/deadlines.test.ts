import type { ReturnStatus } from '../../cloudfunctions/core/policy/types';
import { DAILY_REMINDER_STATUSES, deadlineFor, isDue, nextReminderAt, reminderTimes } from '../../cloudfunctions/core/machine/deadlines';
import {
  ALL_STATUSES,
  OPEN_STATUSES,
  STATUSES,
  TERMINAL_STATUSES,
  isOpen,
  isTerminal,
  nextActor,
  reminderRecipient,
  statusLabel,
} from '../../cloudfunctions/core/machine/statuses';
import { DAY, HOUR, policy } from './helpers';

const T0 = new Date('2026-03-01T02:15:00.000Z'); // 2026-03-01 10:15 Asia/Shanghai
const d = (iso: string) => new Date(iso);

describe('statuses', () => {
  it('has the Chinese label of every status', () => {
    expect(Object.fromEntries(ALL_STATUSES.map((s) => [s, STATUSES[s].label]))).toEqual({
      PENDING_REVIEW: '待商家处理',
      AWAITING_SHIPMENT: '待买家寄回',
      IN_TRANSIT: '待商家收货',
      REJECTED: '商家已拒绝',
      DISPUTED: '主管复核中',
      NEGOTIATING: '协商待确认',
      REFUNDING: '退款中',
      REFUND_FAILED: '退款异常',
      REFUNDED: '退款成功',
      AWAITING_RESHIP: '待商家换货',
      RESHIPPED: '换货已发出',
      EXCHANGED: '换货完成',
      CANCELLED: '已撤销',
      CLOSED: '已关闭',
    });
    // a subscribe message's 售后状态 is a `phrase` field: at most 5 characters, Chinese only (docs/platform-limits.md)
    for (const s of ALL_STATUSES) expect(STATUSES[s].label).toMatch(/^[\u4e00-\u9fa5]{1,5}$/);
    expect(statusLabel(null)).toBe('未申请');
    expect(statusLabel('REFUNDED')).toBe('退款成功');
  });

  it('says who acts next', () => {
    expect(Object.fromEntries(ALL_STATUSES.map((s) => [s, nextActor(s).role]))).toEqual({
      PENDING_REVIEW: 'MERCHANT',
      NEGOTIATING: 'BUYER',
      AWAITING_SHIPMENT: 'BUYER',
      IN_TRANSIT: 'MERCHANT',
      REJECTED: 'BUYER',
      DISPUTED: 'ARBITER',
      REFUNDING: 'SYSTEM',
      REFUND_FAILED: 'MERCHANT',
      REFUNDED: null,
      AWAITING_RESHIP: 'MERCHANT',
      RESHIPPED: 'BUYER',
      EXCHANGED: null,
      CANCELLED: null,
      CLOSED: null,
    });
    expect(nextActor('PENDING_REVIEW').phrase).toBe('等待商家处理');
    expect(nextActor('AWAITING_SHIPMENT').phrase).toBe('等待买家寄回商品');
    for (const s of ALL_STATUSES) expect(nextActor(s).phrase).toMatch(/^[\u4e00-\u9fa5，]+$/);
  });

  it('flags terminal and open statuses', () => {
    expect(TERMINAL_STATUSES).toEqual(['REFUNDED', 'EXCHANGED', 'CANCELLED', 'CLOSED']);
    expect(OPEN_STATUSES).toEqual([
      'PENDING_REVIEW',
      'NEGOTIATING',
      'AWAITING_SHIPMENT',
      'IN_TRANSIT',
      'REJECTED',
      'DISPUTED',
      'REFUNDING',
      'REFUND_FAILED',
      'AWAITING_RESHIP',
      'RESHIPPED',
    ]);
    for (const s of ALL_STATUSES) expect(isOpen(s)).toBe(!isTerminal(s));
  });

  it('reminds the next actor, never the system or nobody', () => {
    expect(reminderRecipient('PENDING_REVIEW')).toBe('MERCHANT');
    expect(reminderRecipient('AWAITING_SHIPMENT')).toBe('BUYER');
    expect(reminderRecipient('REJECTED')).toBe('BUYER');
    expect(reminderRecipient('DISPUTED')).toBe('ARBITER');
    expect(reminderRecipient('REFUND_FAILED')).toBe('MERCHANT');
    expect(reminderRecipient('AWAITING_RESHIP')).toBe('MERCHANT');
    expect(reminderRecipient('RESHIPPED')).toBe('BUYER');
    expect(reminderRecipient('EXCHANGED')).toBeNull();
    expect(reminderRecipient('REFUNDING')).toBeNull();
    expect(reminderRecipient('CLOSED')).toBeNull();
  });
});

describe('deadlineFor', () => {
  it.each([
    ['PENDING_REVIEW', '2026-03-03T02:15:00.000Z', 'autoApprove'],
    ['AWAITING_SHIPMENT', '2026-03-08T02:15:00.000Z', 'closeUnshipped'],
    ['IN_TRANSIT', '2026-03-11T02:15:00.000Z', 'autoReceive'],
    ['REJECTED', '2026-03-08T02:15:00.000Z', 'closeAppealWindow'],
    ['NEGOTIATING', '2026-03-03T02:15:00.000Z', 'lapseProposal'],
    ['DISPUTED', '2026-03-04T02:15:00.000Z', 'autoDecide'],
    // 换货: the shop ships the replacement within 48 h (else refunded), the buyer confirms within 10 days (else confirmed for them)
    ['AWAITING_RESHIP', '2026-03-03T02:15:00.000Z', 'autoConvert'],
    ['RESHIPPED', '2026-03-11T02:15:00.000Z', 'autoConfirmExchange'],
    // deadlines without a default outcome: the refund's expected arrival, and the merchant overdue with a failed refund
    ['REFUNDING', '2026-03-04T02:15:00.000Z', null],
    ['REFUND_FAILED', '2026-03-04T02:15:00.000Z', null],
    ['REFUNDED', null, null],
    ['EXCHANGED', null, null],
    ['CANCELLED', null, null],
    ['CLOSED', null, null],
  ] as [ReturnStatus, string | null, string | null][])('%s entered at T0 → %s (%s)', (status, iso, action) => {
    expect(deadlineFor(status, T0, policy)).toEqual({ deadline: iso ? d(iso) : null, deadlineAction: action });
  });

  it('uses exact durations from the entry instant, and the shop policy', () => {
    const p = { ...policy, merchantReviewHours: 36, buyerShipDays: 3, merchantReceiveDays: 14, appealDays: 5 };
    expect(deadlineFor('PENDING_REVIEW', T0, p).deadline!.getTime() - T0.getTime()).toBe(36 * HOUR);
    expect(deadlineFor('AWAITING_SHIPMENT', T0, p).deadline!.getTime() - T0.getTime()).toBe(3 * DAY);
    expect(deadlineFor('IN_TRANSIT', T0, p).deadline!.getTime() - T0.getTime()).toBe(14 * DAY);
    expect(deadlineFor('REJECTED', T0, p).deadline!.getTime() - T0.getTime()).toBe(5 * DAY);
    // a late-evening entry keeps its wall-clock time (no end-of-day rounding)
    expect(deadlineFor('AWAITING_SHIPMENT', d('2026-03-01T15:59:59.000Z'), policy).deadline).toEqual(d('2026-03-08T15:59:59.000Z'));
  });

  it('isDue: at or after the deadline', () => {
    const dl = d('2026-03-03T02:15:00.000Z');
    expect(isDue(dl, d('2026-03-03T02:14:59.999Z'))).toBe(false);
    expect(isDue(dl, dl)).toBe(true);
    expect(isDue(dl, d('2026-03-03T02:15:00.001Z'))).toBe(true);
    expect(isDue(null, dl)).toBe(false);
  });
});

describe('reminders', () => {
  it('one reminder reminderLeadHours before each deadline', () => {
    for (const s of ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'IN_TRANSIT', 'REJECTED', 'AWAITING_RESHIP', 'RESHIPPED'] as ReturnStatus[]) {
      const { deadline } = deadlineFor(s, T0, policy);
      expect(reminderTimes(s, deadline, T0, policy)).toEqual([new Date(deadline!.getTime() - 24 * HOUR)]);
    }
    expect(reminderTimes('PENDING_REVIEW', null, T0, policy)).toEqual([d('2026-03-02T02:15:00.000Z')]);
  });

  it('none when the lead time does not fit after the entry', () => {
    const p = { ...policy, merchantReviewHours: 24 };
    expect(reminderTimes('PENDING_REVIEW', null, T0, p)).toEqual([]);
    expect(nextReminderAt('PENDING_REVIEW', T0, null, null, p)).toBeNull();
    const p2 = { ...policy, merchantReviewHours: 25 };
    expect(reminderTimes('PENDING_REVIEW', null, T0, p2)).toEqual([new Date(T0.getTime() + HOUR)]);
  });

  it('daily reminders for REFUND_FAILED; the arbiter is reminded 24 h before the DISPUTED deadline', () => {
    expect(reminderTimes('DISPUTED', null, T0, policy)).toEqual([d('2026-03-03T02:15:00.000Z')]);
    expect(DAILY_REMINDER_STATUSES).toEqual(['REFUND_FAILED']);
    for (const s of DAILY_REMINDER_STATUSES) {
      expect(reminderTimes(s, null, T0, policy, new Date(T0.getTime() + 3 * DAY))).toEqual([
        d('2026-03-02T02:15:00.000Z'),
        d('2026-03-03T02:15:00.000Z'),
        d('2026-03-04T02:15:00.000Z'),
      ]);
      expect(reminderTimes(s, null, T0, policy)).toHaveLength(7);
    }
  });

  it('no reminders while REFUNDING and in terminal statuses', () => {
    for (const s of ['REFUNDING', 'REFUNDED', 'CANCELLED', 'CLOSED'] as ReturnStatus[]) {
      expect(reminderTimes(s, null, T0, policy)).toEqual([]);
      expect(nextReminderAt(s, T0, null, null, policy)).toBeNull();
    }
  });

  it('nextReminderAt: the lead reminder until it was sent', () => {
    const { deadline } = deadlineFor('AWAITING_SHIPMENT', T0, policy);
    const lead = d('2026-03-07T02:15:00.000Z');
    expect(nextReminderAt('AWAITING_SHIPMENT', T0, null, deadline, policy)).toEqual(lead);
    expect(nextReminderAt('AWAITING_SHIPMENT', T0, d('2026-03-07T02:14:00.000Z'), deadline, policy)).toEqual(lead);
    expect(nextReminderAt('AWAITING_SHIPMENT', T0, lead, deadline, policy)).toBeNull();
    expect(nextReminderAt('AWAITING_SHIPMENT', T0, d('2026-03-07T05:00:00.000Z'), deadline, policy)).toBeNull();
    // stored deadline wins over the recomputed one
    const moved = d('2026-03-09T00:00:00.000Z');
    expect(nextReminderAt('AWAITING_SHIPMENT', T0, null, moved, policy)).toEqual(d('2026-03-08T00:00:00.000Z'));
  });

  it('nextReminderAt: daily slots after the last reminder, without bursts after an outage', () => {
    expect(nextReminderAt('REFUND_FAILED', T0, null, null, policy)).toEqual(d('2026-03-02T02:15:00.000Z'));
    expect(nextReminderAt('REFUND_FAILED', T0, d('2026-03-02T02:15:00.000Z'), null, policy)).toEqual(d('2026-03-03T02:15:00.000Z'));
    expect(nextReminderAt('REFUND_FAILED', T0, d('2026-03-02T02:20:00.000Z'), null, policy)).toEqual(d('2026-03-03T02:15:00.000Z'));
    // the sweep was down: last reminder on day 1, sent again on day 5 at 18:00 ⇒ next is day 6's slot
    expect(nextReminderAt('REFUND_FAILED', T0, d('2026-03-05T10:00:00.000Z'), null, policy)).toEqual(d('2026-03-06T02:15:00.000Z'));
    // a reminder before the first slot (should not happen) still leads to the first slot
    expect(nextReminderAt('REFUND_FAILED', T0, d('2026-03-01T03:00:00.000Z'), null, policy)).toEqual(d('2026-03-02T02:15:00.000Z'));
  });
});

describe('honest deadlines', () => {
  it('every non-terminal status says who acts next and has a deadline (a default outcome, or the party is marked overdue)', () => {
    for (const s of ALL_STATUSES) {
      if (STATUSES[s].terminal) continue;
      expect([s, STATUSES[s].next.role !== null]).toEqual([s, true]);
      expect([s, deadlineFor(s, T0, policy).deadline instanceof Date]).toEqual([s, true]);
    }
    // money never moves by default: a failed refund has a deadline without an outcome
    expect(deadlineFor('REFUND_FAILED', T0, policy).deadlineAction).toBeNull();
  });
});
