/** 换货 in the one transition table: the replacement's shipment, its refusals, and the default outcomes. */
import { applyTransition, allowedActions } from '../../cloudfunctions/core/machine/apply';
import { eventFor } from '../../cloudfunctions/core/machine/events';
import { STATUSES } from '../../cloudfunctions/core/machine/statuses';
import { NOW, currentIn, policy } from './helpers';

const HOUR = 3_600_000;
const merchant = { role: 'MERCHANT' as const, openid: 'o_m' };

describe('exchange rows', () => {
  it('reship needs a carrier and a waybill, and is refused once the reship deadline passed', () => {
    const cur = currentIn('AWAITING_RESHIP', 'EXCHANGE', 'MERCHANT');
    const none = applyTransition({ current: cur, actor: merchant, action: 'reship', now: NOW, policy, payload: { reship: { carrier: 'SF' } } });
    expect(none).toMatchObject({ ok: false, code: 'WAYBILL_REQUIRED' });
    const late = applyTransition({
      current: { ...cur, deadline: new Date(NOW.getTime() - 1) },
      actor: merchant,
      action: 'reship',
      now: NOW,
      policy,
      payload: { reship: { carrier: 'SF', trackingNo: 'SF1234567890123' } },
    });
    expect(late).toMatchObject({ ok: false, code: 'DEADLINE_PASSED' });
    const ok = applyTransition({ current: cur, actor: merchant, action: 'reship', now: NOW, policy, payload: { reship: { carrier: 'SF', trackingNo: 'SF1234567890123' } } });
    expect(ok).toMatchObject({ ok: true, to: 'RESHIPPED' });
    if (ok.ok) {
      expect(ok.patch.deadlineAction).toBe('autoConfirmExchange');
      expect(ok.patch.deadline!.getTime() - NOW.getTime()).toBe(policy.exchangeConfirmDays * 24 * HOUR);
      // the buyer is reminded 24 h before it is confirmed for them
      expect(ok.patch.nextReminderAt!.getTime()).toBe(ok.patch.deadline!.getTime() - 24 * HOUR);
      expect(ok.effects).not.toContain('settleRefund');
    }
  });

  it('converting to a refund needs the reason the buyer will read, and settles the refund (money moves only then)', () => {
    const cur = currentIn('AWAITING_RESHIP', 'EXCHANGE', 'MERCHANT');
    expect(applyTransition({ current: cur, actor: merchant, action: 'convertToRefund', now: NOW, policy, payload: {} })).toMatchObject({ ok: false, code: 'REASON_REQUIRED' });
    const ok = applyTransition({ current: cur, actor: merchant, action: 'convertToRefund', now: NOW, policy, payload: { reason: '该尺码已售罄' } });
    expect(ok).toMatchObject({ ok: true, to: 'REFUNDING' });
    if (ok.ok) expect(ok.effects).toEqual(expect.arrayContaining(['settleRefund', 'submitRefund']));
    const auto = applyTransition({ current: currentIn('AWAITING_RESHIP', 'EXCHANGE', 'SYSTEM'), actor: { role: 'SYSTEM' }, action: 'autoConvert', now: NOW, policy });
    expect(auto).toMatchObject({ ok: true, to: 'REFUNDING' });
    if (auto.ok) expect(auto.effects).toContain('settleRefund');
  });

  it('no exchange transition but a conversion enters a refund-bound status', () => {
    for (const action of ['confirmReceipt', 'reship', 'confirmExchange'] as const) {
      const role = action === 'confirmExchange' ? 'BUYER' : 'MERCHANT';
      const from = action === 'confirmReceipt' ? 'IN_TRANSIT' : action === 'reship' ? 'AWAITING_RESHIP' : 'RESHIPPED';
      const r = applyTransition({
        current: currentIn(from, 'EXCHANGE', role),
        actor: { role, openid: 'o' },
        action,
        now: NOW,
        policy,
        payload: { reship: { carrier: 'SF', trackingNo: 'SF1234567890123' } },
      });
      expect(r.ok).toBe(true);
      if (r.ok) expect(STATUSES[r.to].refundBound).toBe(false);
    }
  });

  it('the waiting statuses of an exchange say who acts and their default outcome', () => {
    expect(allowedActions(currentIn('AWAITING_RESHIP', 'EXCHANGE', 'MERCHANT'), 'MERCHANT', NOW, policy)).toEqual(['reship', 'convertToRefund']);
    expect(allowedActions(currentIn('RESHIPPED', 'EXCHANGE', 'BUYER'), 'BUYER', NOW, policy)).toEqual(['confirmExchange']);
    // a return never reaches them, and exchange rows never apply to a return
    expect(allowedActions(currentIn('AWAITING_RESHIP', 'RETURN_REFUND', 'MERCHANT'), 'MERCHANT', NOW, policy)).toEqual([]);
    expect(STATUSES.EXCHANGED).toMatchObject({ terminal: true, holdsUnits: false, refundBound: false });
  });

  it('announces the shop-facing events', () => {
    expect(eventFor('reship', 'RESHIPPED')).toBe('aftersale.exchange_shipped');
    expect(eventFor('convertToRefund', 'REFUNDING')).toBe('aftersale.exchange_converted');
    expect(eventFor('autoConvert', 'REFUNDING')).toBe('aftersale.exchange_converted');
    expect(eventFor('confirmExchange', 'EXCHANGED')).toBe('aftersale.exchanged');
    expect(eventFor('autoConfirmExchange', 'EXCHANGED')).toBe('aftersale.exchanged');
  });
});
