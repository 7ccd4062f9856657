import type { ReturnStatus, ReturnType, Role } from '../../cloudfunctions/core/policy/types';
import { allowedActions, applyTransition, API_ERROR_FOR, REFUSAL_FIELD, refusalError, type TransitionInput } from '../../cloudfunctions/core/machine/apply';
import { ACTION_NAMES, GUARD_CODES, TRANSITIONS, type ActionName, type CurrentReturn, type TransitionPayload } from '../../cloudfunctions/core/machine/transitions';
import { ALL_STATUSES, TERMINAL_STATUSES } from '../../cloudfunctions/core/machine/statuses';
import { ADDRESS, DAY, DEFAULT_ADDRESS, HOUR, NOW, ROLES, TYPES, at, currentIn, goodPayload, policy, OWN_LEDGER } from './helpers';

function act(
  status: ReturnStatus | null,
  type: ReturnType,
  role: Role,
  action: ActionName,
  opts: { current?: Partial<CurrentReturn>; payload?: TransitionPayload; now?: Date; openid?: string; policy?: typeof policy } = {},
) {
  const input: TransitionInput = {
    current: currentIn(status, type, role, opts.current),
    actor: opts.openid ? { role, openid: opts.openid } : { role },
    action,
    now: opts.now ?? NOW,
    policy: opts.policy ?? policy,
    payload: opts.payload ?? goodPayload(action, status),
    ledger: OWN_LEDGER,
  };
  return applyTransition(input);
}

const RR: ReturnType = 'RETURN_REFUND';
const RO: ReturnType = 'REFUND_ONLY';

describe('applyTransition: FORBIDDEN', () => {
  it.each([
    ['BUYER', 'approve'],
    ['BUYER', 'decide'],
    ['BUYER', 'refundSucceeded'],
    ['MERCHANT', 'appeal'],
    ['MERCHANT', 'apply'],
    ['MERCHANT', 'decide'],
    ['ARBITER', 'approve'],
    ['ARBITER', 'cancel'],
    ['ADMIN', 'autoApprove'],
    ['ADMIN', 'apply'],
    ['SYSTEM', 'approve'],
    ['SYSTEM', 'cancel'],
  ] as [Role, ActionName][])('%s may never %s', (role, action) => {
    const r = act('PENDING_REVIEW', RR, role, action);
    expect(r).toEqual({ ok: false, code: 'FORBIDDEN', message: '无权执行此操作' });
  });

  it('an unknown action name is FORBIDDEN', () => {
    const r = act('PENDING_REVIEW', RR, 'ADMIN', 'explode' as ActionName);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('FORBIDDEN');
  });

  it('FORBIDDEN wins over a terminal status', () => {
    const r = act('REFUNDED', RO, 'BUYER', 'approve');
    expect(!r.ok && r.code).toBe('FORBIDDEN');
  });
});

describe('applyTransition: INVALID_STATE', () => {
  it('names the current status in Chinese', () => {
    expect(act('IN_TRANSIT', RR, 'MERCHANT', 'approve')).toEqual({
      ok: false,
      code: 'INVALID_STATE',
      message: '当前状态（待商家收货）不能执行此操作',
    });
    expect(act('REFUNDED', RO, 'SYSTEM', 'refundSucceeded')).toEqual({
      ok: false,
      code: 'INVALID_STATE',
      message: '当前状态（退款成功）不能执行此操作',
    });
  });

  it('buyer cannot cancel once the goods are on the way or later, nor while the arbiter decides', () => {
    for (const s of ['IN_TRANSIT', 'DISPUTED', 'REFUNDING', 'REFUND_FAILED'] as ReturnStatus[]) {
      const r = act(s, RR, 'BUYER', 'cancel');
      expect(!r.ok && r.code).toBe('INVALID_STATE');
    }
  });

  it('a REJECTED after-sale whose goods were sent back (receipt refused) cannot be cancelled', () => {
    expect(act('REJECTED', RR, 'BUYER', 'cancel').ok).toBe(true);
    const sent = act('REJECTED', RR, 'BUYER', 'cancel', { current: { hasLogistics: true } });
    expect(sent).toEqual({ ok: false, code: 'GOODS_SENT', message: '商品已寄回商家，不能撤销申请；如有异议可申请店铺主管复核' });
  });

  it('apply on an existing after-sale, and any other action before one exists', () => {
    const r1 = act('PENDING_REVIEW', RO, 'BUYER', 'apply');
    expect(!r1.ok && r1.code).toBe('INVALID_STATE');
    const r2 = act(null, RO, 'BUYER', 'cancel');
    expect(r2).toEqual({ ok: false, code: 'INVALID_STATE', message: '当前状态（未申请）不能执行此操作' });
  });

  it('RETURN_REFUND-only rows refuse a REFUND_ONLY after-sale', () => {
    const r = act('IN_TRANSIT', RO, 'MERCHANT', 'confirmReceipt');
    expect(r).toEqual({ ok: false, code: 'INVALID_STATE', message: '仅退款的售后不能执行此操作' });
  });

  it('terminal statuses accept nothing from anybody', () => {
    const accepted: string[] = [];
    for (const s of TERMINAL_STATUSES)
      for (const role of ROLES)
        for (const action of ACTION_NAMES)
          for (const type of TYPES) {
            const r = act(s, type, role, action, { current: { hasLogistics: true, returnAddress: ADDRESS } });
            if (r.ok) accepted.push(`${s}|${role}|${action}|${type}`);
            else expect(['INVALID_STATE', 'FORBIDDEN']).toContain(r.code);
          }
    expect(TERMINAL_STATUSES).toEqual(['REFUNDED', 'EXCHANGED', 'CANCELLED', 'CLOSED']);
    expect(accepted).toEqual([]);
  });
});

describe('applyTransition: guards', () => {
  describe('appeal window (REJECTED + appealDays)', () => {
    it('is open up to and including the stored deadline', () => {
      const r = act('REJECTED', RR, 'BUYER', 'appeal', { current: { deadline: NOW } });
      expect(r.ok && r.to).toBe('DISPUTED');
    });
    it('is closed 1 ms after it', () => {
      const r = act('REJECTED', RR, 'BUYER', 'appeal', { current: { deadline: at(-1) } });
      expect(r).toEqual({ ok: false, code: 'APPEAL_WINDOW_CLOSED', message: '申诉期已过，不能再申请店铺主管复核' });
    });
    it('is computed from enteredAt (rejectedAt) when no deadline is stored', () => {
      const open = act('REJECTED', RR, 'BUYER', 'appeal', { current: { deadline: null, enteredAt: at(-7 * DAY) } });
      expect(open.ok).toBe(true);
      const closed = act('REJECTED', RR, 'BUYER', 'appeal', { current: { deadline: null, enteredAt: at(-7 * DAY - 1) } });
      expect(!closed.ok && closed.code).toBe('APPEAL_WINDOW_CLOSED');
      const shortPolicy = { ...policy, appealDays: 3 };
      const r = act('REJECTED', RR, 'BUYER', 'appeal', { current: { deadline: null, enteredAt: at(-4 * DAY) }, policy: shortPolicy });
      expect(!r.ok && r.code).toBe('APPEAL_WINDOW_CLOSED');
    });
    it('lets the action through when neither deadline nor enteredAt is known', () => {
      expect(act('REJECTED', RR, 'BUYER', 'appeal', { current: { deadline: undefined } }).ok).toBe(true);
    });
  });

  it('the waited-on party loses actions that avoid the default outcome after the deadline', () => {
    const late = { current: { deadline: at(-1) } };
    const cases: [ReturnStatus, Role, ActionName, string][] = [
      ['PENDING_REVIEW', 'MERCHANT', 'reject', '处理期限已过，系统将自动同意'],
      ['AWAITING_SHIPMENT', 'BUYER', 'submitLogistics', '寄回期限已过，售后将被关闭'],
      ['IN_TRANSIT', 'MERCHANT', 'refuseReceipt', '收货期限已过，系统将自动确认收货'],
      ['REJECTED', 'BUYER', 'modify', '修改期限已过，售后将被关闭'],
    ];
    for (const [s, role, action, message] of cases) {
      expect(act(s, RR, role, action, late)).toEqual({ ok: false, code: 'DEADLINE_PASSED', message });
    }
    // ... but actions that lead to the default outcome (or the other party's) stay allowed
    expect(act('PENDING_REVIEW', RR, 'MERCHANT', 'approve', late).ok).toBe(true);
    expect(act('IN_TRANSIT', RR, 'MERCHANT', 'confirmReceipt', late).ok).toBe(true);
    expect(act('PENDING_REVIEW', RR, 'BUYER', 'modify', late).ok).toBe(true);
    expect(act('AWAITING_SHIPMENT', RR, 'BUYER', 'cancel', late).ok).toBe(true);
    expect(act('REJECTED', RR, 'BUYER', 'cancel', late).ok).toBe(true);
  });

  it('system deadline actions wait for the deadline (DEADLINE_NOT_REACHED), inclusive', () => {
    const cases: [ReturnStatus, ActionName][] = [
      ['PENDING_REVIEW', 'autoApprove'],
      ['AWAITING_SHIPMENT', 'closeUnshipped'],
      ['IN_TRANSIT', 'autoReceive'],
      ['REJECTED', 'closeAppealWindow'],
    ];
    for (const [s, action] of cases) {
      expect(act(s, RR, 'SYSTEM', action, { current: { deadline: at(1) } })).toEqual({
        ok: false,
        code: 'DEADLINE_NOT_REACHED',
        message: '尚未到处理期限，不能自动处理',
      });
      expect(act(s, RR, 'SYSTEM', action, { current: { deadline: NOW } }).ok).toBe(true);
      // recomputed from enteredAt when no deadline is stored
      const early = act(s, RR, 'SYSTEM', action, { current: { deadline: null, enteredAt: at(-HOUR) } });
      expect(!early.ok && early.code).toBe('DEADLINE_NOT_REACHED');
    }
    const due = act('PENDING_REVIEW', RO, 'SYSTEM', 'autoApprove', { current: { deadline: null, enteredAt: at(-48 * HOUR) } });
    expect(due.ok).toBe(true);
  });

  it('refund results are not time-guarded', () => {
    expect(act('REFUNDING', RO, 'SYSTEM', 'refundSucceeded', { current: { deadline: null } }).ok).toBe(true);
    expect(act('REFUNDING', RO, 'SYSTEM', 'refundFailed', { current: { deadline: null } }).ok).toBe(true);
  });

  it('reject needs a reason', () => {
    for (const payload of [{}, { reason: '' }, { reason: '   ' }]) {
      expect(act('PENDING_REVIEW', RO, 'MERCHANT', 'reject', { payload })).toEqual({
        ok: false,
        code: 'REASON_REQUIRED',
        message: '请填写拒绝原因',
      });
    }
  });

  it('a state guard is checked before input requirements', () => {
    const r = act('PENDING_REVIEW', RO, 'MERCHANT', 'reject', { payload: {}, current: { deadline: at(-1) } });
    expect(!r.ok && r.code).toBe('DEADLINE_PASSED');
  });

  it('refuseReceipt needs evidence', () => {
    for (const payload of [{}, { evidence: [] }, { evidence: [''] }, { reason: '不符' }]) {
      expect(act('IN_TRANSIT', RR, 'MERCHANT', 'refuseReceipt', { payload })).toEqual({
        ok: false,
        code: 'EVIDENCE_REQUIRED',
        message: '拒绝收货需要上传验货凭证',
      });
    }
  });

  it('markOffline needs a note', () => {
    expect(act('REFUND_FAILED', RO, 'MERCHANT', 'markOffline', { payload: {} })).toEqual({
      ok: false,
      code: 'NOTE_REQUIRED',
      message: '请填写线下退款说明',
    });
  });

  it('approve of a RETURN_REFUND needs a return address (given, stored or the shop default)', () => {
    expect(act('PENDING_REVIEW', RR, 'MERCHANT', 'approve', { payload: {} })).toEqual({
      ok: false,
      code: 'RETURN_ADDRESS_REQUIRED',
      message: '退货退款需要填写退货地址',
    });
    const blank = act('PENDING_REVIEW', RR, 'MERCHANT', 'approve', { payload: { returnAddress: { name: '', phone: ' ' } } });
    expect(!blank.ok && blank.code).toBe('RETURN_ADDRESS_REQUIRED');
    expect(act('PENDING_REVIEW', RO, 'MERCHANT', 'approve', { payload: {} }).ok).toBe(true);

    const viaDefault = act('PENDING_REVIEW', RR, 'MERCHANT', 'approve', { payload: { defaultReturnAddress: DEFAULT_ADDRESS } });
    expect(viaDefault.ok && viaDefault.patch.returnAddress).toEqual(DEFAULT_ADDRESS);
    const explicit = act('PENDING_REVIEW', RR, 'MERCHANT', 'approve', {
      payload: { returnAddress: ADDRESS, defaultReturnAddress: DEFAULT_ADDRESS },
    });
    expect(explicit.ok && explicit.patch.returnAddress).toEqual(ADDRESS);
    const asString = act('PENDING_REVIEW', RR, 'MERCHANT', 'approve', { payload: { returnAddress: '上海市徐汇区1号' } });
    expect(asString.ok && asString.patch.returnAddress).toBe('上海市徐汇区1号');
  });

  it('autoApprove of a RETURN_REFUND uses the shop default address, or refuses', () => {
    const ok = act('PENDING_REVIEW', RR, 'SYSTEM', 'autoApprove');
    expect(ok.ok && ok.to).toBe('AWAITING_SHIPMENT');
    expect(ok.ok && ok.patch.returnAddress).toEqual(DEFAULT_ADDRESS);
    expect(act('PENDING_REVIEW', RR, 'SYSTEM', 'autoApprove', { payload: {} })).toEqual({
      ok: false,
      code: 'RETURN_ADDRESS_REQUIRED',
      message: '未设置默认退货地址，无法自动同意',
    });
    const ro = act('PENDING_REVIEW', RO, 'SYSTEM', 'autoApprove', { payload: {} });
    expect(ro.ok && ro.to).toBe('REFUNDING');
    expect(ro.ok && 'returnAddress' in ro.patch).toBe(false);
  });

  it('decide needs a decision, and an address when the goods still have to come back', () => {
    expect(act('DISPUTED', RR, 'ARBITER', 'decide', { payload: {} })).toEqual({
      ok: false,
      code: 'DECISION_REQUIRED',
      message: '请选择裁决结果',
    });
    const odd = act('DISPUTED', RR, 'ARBITER', 'decide', { payload: { decision: 'NOBODY' as never } });
    expect(!odd.ok && odd.code).toBe('DECISION_REQUIRED');
    expect(act('DISPUTED', RR, 'ARBITER', 'decide', { payload: { decision: 'BUYER' } })).toEqual({
      ok: false,
      code: 'RETURN_ADDRESS_REQUIRED',
      message: '裁决买家寄回商品需要退货地址',
    });
    const stored = act('DISPUTED', RR, 'ARBITER', 'decide', { payload: { decision: 'BUYER' }, current: { returnAddress: ADDRESS } });
    expect(stored.ok && stored.to).toBe('AWAITING_SHIPMENT');
    expect(stored.ok && stored.patch.returnAddress).toEqual(ADDRESS);
    // goods already sent back, or refund only: no address needed
    const sent = act('DISPUTED', RR, 'ARBITER', 'decide', { payload: { decision: 'BUYER' }, current: { hasLogistics: true } });
    expect(sent.ok && sent.to).toBe('REFUNDING');
    const ro = act('DISPUTED', RO, 'ARBITER', 'decide', { payload: { decision: 'BUYER' } });
    expect(ro.ok && ro.to).toBe('REFUNDING');
    const merchant = act('DISPUTED', RR, 'ADMIN', 'decide', { payload: { decision: 'MERCHANT' } });
    expect(merchant.ok && merchant.to).toBe('CLOSED');
  });

  it('every guard code has an API error code', () => {
    for (const c of Object.values(GUARD_CODES)) expect(API_ERROR_FOR[c]).toMatch(/^(INVALID_STATE|INVALID_ARGUMENT|EVIDENCE_INVALID)$/);
    expect(API_ERROR_FOR.FORBIDDEN).toBe('FORBIDDEN');
    expect(API_ERROR_FOR.APPEAL_WINDOW_CLOSED).toBe('INVALID_STATE');
    expect(API_ERROR_FOR.REASON_REQUIRED).toBe('INVALID_ARGUMENT');
  });

  it('a refusal that answers INVALID_ARGUMENT names its field in details.issues; state refusals do not', () => {
    for (const c of Object.values(GUARD_CODES)) {
      if (API_ERROR_FOR[c] === 'INVALID_ARGUMENT') expect(REFUSAL_FIELD[c]).toMatch(/^[a-zA-Z]+$/);
    }
    expect(refusalError('RETURN_ADDRESS_REQUIRED', '请填写退货地址')).toEqual({
      code: 'INVALID_ARGUMENT',
      message: '请填写退货地址',
      details: { refusal: 'RETURN_ADDRESS_REQUIRED', issues: [{ path: 'returnAddress', message: '请填写退货地址' }] },
    });
    expect(refusalError('DEADLINE_PASSED', '已超过处理期限')).toEqual({ code: 'INVALID_STATE', message: '已超过处理期限', details: { refusal: 'DEADLINE_PASSED' } });
    expect(refusalError('FORBIDDEN', '无权')).toEqual({ code: 'FORBIDDEN', message: '无权', details: { refusal: 'FORBIDDEN' } });
  });
});

describe('applyTransition: patch', () => {
  it('increments the version and stamps updatedAt / statusEnteredAt', () => {
    const r = act('PENDING_REVIEW', RO, 'MERCHANT', 'approve', { current: { version: 7 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.patch.version).toBe(8);
    expect(r.patch.updatedAt).toBe(NOW);
    expect(r.patch.statusEnteredAt).toBe(NOW);
    expect(r.patch.lastReminderAt).toBeNull();
  });

  it('apply creates version 1 in PENDING_REVIEW with the review deadline', () => {
    const r = applyTransition({
      current: { status: null, type: RO, version: 0 },
      actor: { role: 'BUYER', openid: 'o_buyer' },
      action: 'apply',
      now: NOW,
      policy,
    });
    expect(r).toEqual({
      ok: true,
      effects: [],
      to: 'PENDING_REVIEW',
      patch: {
        status: 'PENDING_REVIEW',
        version: 1,
        deadline: new Date('2026-03-12T02:00:00.000Z'),
        deadlineAction: 'autoApprove',
        nextReminderAt: new Date('2026-03-11T02:00:00.000Z'),
        lastReminderAt: null,
        statusEnteredAt: NOW,
        updatedAt: NOW,
      },
      event: { at: NOW, actor: { role: 'BUYER', openid: 'o_buyer' }, action: 'apply', from: null, to: 'PENDING_REVIEW' },
    });
  });

  const deadlineCases: [ReturnStatus, ReturnType, Role, ActionName, TransitionPayload | undefined, Date | null, ActionName | null, Date | null][] = [
    // from, type, role, action, payload, deadline, deadlineAction, nextReminderAt
    ['PENDING_REVIEW', RR, 'MERCHANT', 'approve', undefined, at(7 * DAY), 'closeUnshipped', at(6 * DAY)],
    ['PENDING_REVIEW', RO, 'MERCHANT', 'approve', undefined, at(3 * DAY), null, null],
    ['PENDING_REVIEW', RR, 'MERCHANT', 'reject', undefined, at(7 * DAY), 'closeAppealWindow', at(6 * DAY)],
    ['PENDING_REVIEW', RR, 'BUYER', 'modify', undefined, at(48 * HOUR), 'autoApprove', at(24 * HOUR)],
    ['AWAITING_SHIPMENT', RR, 'BUYER', 'submitLogistics', undefined, at(10 * DAY), 'autoReceive', at(9 * DAY)],
    ['REJECTED', RR, 'BUYER', 'appeal', undefined, at(72 * HOUR), 'autoDecide', at(48 * HOUR)],
    ['REFUNDING', RR, 'SYSTEM', 'refundFailed', undefined, at(72 * HOUR), null, at(DAY)],
    ['REFUND_FAILED', RR, 'MERCHANT', 'retryRefund', undefined, at(3 * DAY), null, null],
    ['PENDING_REVIEW', RR, 'MERCHANT', 'propose', undefined, at(48 * HOUR), 'lapseProposal', at(24 * HOUR)],
    ['REFUNDING', RR, 'SYSTEM', 'refundSucceeded', undefined, null, null, null],
    ['PENDING_REVIEW', RR, 'BUYER', 'cancel', undefined, null, null, null],
    ['DISPUTED', RR, 'ARBITER', 'decide', { decision: 'MERCHANT' }, null, null, null],
    ['DISPUTED', RR, 'ARBITER', 'decide', { decision: 'BUYER', returnAddress: ADDRESS }, at(7 * DAY), 'closeUnshipped', at(6 * DAY)],
  ];
  it.each(deadlineCases)('%s %s %s %s sets the deadline of the new state', (s, type, role, action, payload, deadline, deadlineAction, next) => {
    const r = act(s, type, role, action, payload ? { payload } : {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.patch.deadline).toEqual(deadline);
    expect(r.patch.deadlineAction).toBe(deadlineAction);
    expect(r.patch.nextReminderAt).toEqual(next);
  });

  it('uses the shop policy for the new deadline', () => {
    const r = act('REJECTED', RO, 'BUYER', 'modify', { policy: { ...policy, merchantReviewHours: 24, reminderLeadHours: 2 } });
    expect(r.ok && r.patch.deadline).toEqual(at(24 * HOUR));
    expect(r.ok && r.patch.nextReminderAt).toEqual(at(22 * HOUR));
  });

  it('terminal targets clear deadline, action and reminders', () => {
    for (const [s, role, action, type] of [
      ['REFUNDING', 'SYSTEM', 'refundSucceeded', RO],
      ['REJECTED', 'SYSTEM', 'closeAppealWindow', RR],
      ['REJECTED', 'BUYER', 'cancel', RR],
      ['REFUND_FAILED', 'MERCHANT', 'markOffline', RR],
    ] as [ReturnStatus, Role, ActionName, ReturnType][]) {
      const r = act(s, type, role, action);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect([r.patch.deadline, r.patch.deadlineAction, r.patch.nextReminderAt]).toEqual([null, null, null]);
    }
  });

  it('correctLogistics keeps the receive deadline, entry time and reminder state', () => {
    const enteredAt = at(-3 * DAY);
    const deadline = at(7 * DAY);
    const lastReminderAt = null;
    const r = act('IN_TRANSIT', RR, 'BUYER', 'correctLogistics', { current: { deadline, enteredAt, lastReminderAt, version: 4 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.patch).toEqual({
      status: 'IN_TRANSIT',
      version: 5,
      deadline,
      deadlineAction: 'autoReceive',
      nextReminderAt: at(6 * DAY),
      lastReminderAt: null,
      statusEnteredAt: enteredAt,
      updatedAt: NOW,
    });
    // a reminder already sent stays sent
    const sent = act('IN_TRANSIT', RR, 'BUYER', 'correctLogistics', { current: { deadline, enteredAt, lastReminderAt: at(6 * DAY) } });
    expect(sent.ok && sent.patch.nextReminderAt).toBeNull();
    // nothing stored: recomputed from enteredAt
    const recomputed = act('IN_TRANSIT', RR, 'BUYER', 'correctLogistics', { current: { deadline: null, enteredAt } });
    expect(recomputed.ok && recomputed.patch.deadline).toEqual(at(7 * DAY));
  });

  it('does not mutate the input', () => {
    const current = currentIn('PENDING_REVIEW', RR, 'MERCHANT');
    const copy = JSON.parse(JSON.stringify(current));
    const payload = goodPayload('approve');
    applyTransition({ current, actor: { role: 'MERCHANT' }, action: 'approve', now: NOW, policy, payload });
    expect(JSON.parse(JSON.stringify(current))).toEqual(copy);
    expect(payload).toEqual({ returnAddress: ADDRESS });
  });
});

describe('applyTransition: timeline event', () => {
  it('records who, when, from, to, why and the evidence', () => {
    const r = act('IN_TRANSIT', RR, 'MERCHANT', 'refuseReceipt', {
      openid: 'o_merchant',
      payload: { evidence: ['cloud://env/a.jpg', 'cloud://env/b.jpg'], reason: '商品有使用痕迹', note: '见照片' },
    });
    expect(r.ok && r.event).toEqual({
      at: NOW,
      actor: { role: 'MERCHANT', openid: 'o_merchant' },
      action: 'refuseReceipt',
      from: 'IN_TRANSIT',
      to: 'REJECTED',
      note: '商家验货未通过，拒绝收货；商品有使用痕迹；见照片',
      evidence: ['cloud://env/a.jpg', 'cloud://env/b.jpg'],
    });
  });

  it('reject carries the reason; system events explain the default outcome; no empty fields', () => {
    const rej = act('PENDING_REVIEW', RO, 'MERCHANT', 'reject', { payload: { reason: '商品已拆封' } });
    expect(rej.ok && rej.event.note).toBe('商家拒绝售后；商品已拆封');
    const auto = act('PENDING_REVIEW', RO, 'SYSTEM', 'autoApprove');
    expect(auto.ok && auto.event).toEqual({
      at: NOW,
      actor: { role: 'SYSTEM' },
      action: 'autoApprove',
      from: 'PENDING_REVIEW',
      to: 'REFUNDING',
      note: '商家超时未处理，系统自动同意',
    });
    const cancel = act('PENDING_REVIEW', RO, 'BUYER', 'cancel', { payload: { evidence: [] } });
    expect(cancel.ok && cancel.event).toEqual({ at: NOW, actor: { role: 'BUYER' }, action: 'cancel', from: 'PENDING_REVIEW', to: 'CANCELLED' });
  });

  it('an admin sweep acts as SYSTEM with its openid', () => {
    const r = act('AWAITING_SHIPMENT', RR, 'SYSTEM', 'closeUnshipped', { openid: 'o_admin' });
    expect(r.ok && r.event.actor).toEqual({ role: 'SYSTEM', openid: 'o_admin' });
    expect(r.ok && r.event.note).toBe('买家超时未寄回，售后关闭');
  });

  it('decide notes the side', () => {
    const b = act('DISPUTED', RO, 'ARBITER', 'decide', { payload: { decision: 'BUYER', note: '商品确有质量问题' } });
    expect(b.ok && b.event.note).toBe('店铺主管复核：支持买家；商品确有质量问题');
    const m = act('DISPUTED', RO, 'ARBITER', 'decide', { payload: { decision: 'MERCHANT' } });
    expect(m.ok && m.event.note).toBe('店铺主管复核：支持商家');
  });
});

describe('allowedActions', () => {
  const cur = (status: ReturnStatus | null, type: ReturnType, deadline: Date | null = at(HOUR)): CurrentReturn => ({
    status,
    type,
    version: 1,
    deadline,
  });

  it.each([
    [null, RO, 'BUYER', ['apply']],
    [null, RO, 'MERCHANT', []],
    ['PENDING_REVIEW', RR, 'BUYER', ['modify', 'cancel']],
    ['PENDING_REVIEW', RR, 'MERCHANT', ['approve', 'reject', 'propose']],
    ['PENDING_REVIEW', RR, 'ADMIN', ['approve', 'reject', 'propose']],
    ['PENDING_REVIEW', RR, 'ARBITER', []],
    ['PENDING_REVIEW', RR, 'SYSTEM', []],
    ['AWAITING_SHIPMENT', RR, 'BUYER', ['cancel', 'submitLogistics']],
    ['AWAITING_SHIPMENT', RR, 'MERCHANT', []],
    ['IN_TRANSIT', RR, 'BUYER', ['correctLogistics']],
    ['IN_TRANSIT', RR, 'MERCHANT', ['confirmReceipt', 'refuseReceipt', 'propose']],
    ['REJECTED', RO, 'BUYER', ['modify', 'cancel', 'appeal']],
    ['REJECTED', RO, 'MERCHANT', []],
    ['DISPUTED', RR, 'BUYER', []],
    ['DISPUTED', RR, 'ARBITER', ['decide']],
    ['DISPUTED', RR, 'ADMIN', ['decide']],
    ['DISPUTED', RR, 'MERCHANT', []],
    ['REFUNDING', RO, 'SYSTEM', ['refundSucceeded', 'refundFailed']],
    ['REFUNDING', RO, 'MERCHANT', []],
    ['REFUNDING', RO, 'BUYER', []],
    ['REFUND_FAILED', RO, 'MERCHANT', ['retryRefund', 'markOffline']],
    ['REFUND_FAILED', RO, 'BUYER', []],
  ] as [ReturnStatus | null, ReturnType, Role, ActionName[]][])('%s %s %s → %j', (status, type, role, expected) => {
    expect(allowedActions(cur(status, type), role, NOW, policy)).toEqual(expected);
  });

  it('follows the deadlines', () => {
    const past = at(-1);
    expect(allowedActions(cur('PENDING_REVIEW', RR, past), 'MERCHANT', NOW, policy)).toEqual(['approve']);
    expect(allowedActions(cur('PENDING_REVIEW', RR, past), 'SYSTEM', NOW, policy)).toEqual(['autoApprove']);
    expect(allowedActions(cur('AWAITING_SHIPMENT', RR, past), 'BUYER', NOW, policy)).toEqual(['cancel']);
    expect(allowedActions(cur('AWAITING_SHIPMENT', RR, past), 'SYSTEM', NOW, policy)).toEqual(['closeUnshipped']);
    expect(allowedActions(cur('IN_TRANSIT', RR, past), 'MERCHANT', NOW, policy)).toEqual(['confirmReceipt']);
    expect(allowedActions(cur('IN_TRANSIT', RR, past), 'SYSTEM', NOW, policy)).toEqual(['autoReceive']);
    expect(allowedActions(cur('REJECTED', RR, past), 'BUYER', NOW, policy)).toEqual(['cancel']);
    expect(allowedActions(cur('REJECTED', RR, past), 'SYSTEM', NOW, policy)).toEqual(['closeAppealWindow']);
  });

  it('hides type-specific actions', () => {
    expect(allowedActions(cur('IN_TRANSIT', RO), 'MERCHANT', NOW, policy)).toEqual([]);
    expect(allowedActions(cur('AWAITING_SHIPMENT', RO), 'BUYER', NOW, policy)).toEqual(['cancel']);
  });

  it('terminal statuses allow nothing to anybody', () => {
    for (const s of TERMINAL_STATUSES)
      for (const role of ROLES)
        for (const type of TYPES) {
          expect(allowedActions(cur(s, type, null), role, NOW, policy)).toEqual([]);
        }
  });

  it('agrees with applyTransition everywhere (same table): allowed ⇔ succeeds with a complete payload', () => {
    const mismatches: string[] = [];
    for (const status of [null, ...ALL_STATUSES] as (ReturnStatus | null)[]) {
      for (const type of TYPES)
        for (const role of ROLES)
          for (const deadline of [at(HOUR), at(-HOUR), null]) {
            const current: CurrentReturn = { ...cur(status, type, deadline), hasLogistics: false };
            const allowed = allowedActions(current, role, NOW, policy);
            for (const action of ACTION_NAMES) {
              const r = applyTransition({ current, actor: { role }, action, now: NOW, policy, payload: goodPayload(action, current.status), ledger: OWN_LEDGER });
              if (r.ok !== allowed.includes(action)) mismatches.push(`${status}|${type}|${role}|${action}|${deadline?.toISOString()}`);
            }
          }
    }
    expect(mismatches).toEqual([]);
    expect(TRANSITIONS.length).toBeGreaterThan(0);
  });
});
