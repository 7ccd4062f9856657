import type { ReturnStatus, ReturnType, Role } from '../../cloudfunctions/core/policy/types';
import {
  ACTION_LABELS,
  ACTION_NAMES,
  findRow,
  fromList,
  NEW,
  TRANSITIONS,
  type ActionName,
  type CurrentReturn,
  type FromStatus,
  type TransitionPayload,
} from '../../cloudfunctions/core/machine/transitions';
import { applyTransition } from '../../cloudfunctions/core/machine/apply';
import { ALL_STATUSES, STATUSES } from '../../cloudfunctions/core/machine/statuses';
import { ADDRESS, NOW, ROLES, TYPES, currentIn, goodPayload, policy, OWN_LEDGER } from './helpers';

interface Expectation {
  from: FromStatus;
  role: Role;
  action: ActionName;
  type: ReturnType;
  to: ReturnStatus;
  current?: Partial<CurrentReturn>;
  payload?: TransitionPayload;
}

const RO: ReturnType[] = ['REFUND_ONLY'];
const RR: ReturnType[] = ['RETURN_REFUND'];
const EX: ReturnType[] = ['EXCHANGE'];
/** The goods come back: 退货退款 and 换货. */
const BACK: ReturnType[] = ['RETURN_REFUND', 'EXCHANGE'];
const BOTH = TYPES;
const MERCHANTS: Role[] = ['MERCHANT', 'ADMIN'];
const ARBITERS: Role[] = ['ARBITER', 'ADMIN'];

function E(
  from: FromStatus[],
  roles: Role[],
  action: ActionName,
  types: ReturnType[],
  to: ReturnStatus,
  extra: { current?: Partial<CurrentReturn>; payload?: TransitionPayload } = {},
): Expectation[] {
  const out: Expectation[] = [];
  for (const f of from) for (const role of roles) for (const type of types) out.push({ from: f, role, action, type, to, ...extra });
  return out;
}

/** Written by hand from domain.md: (from, role, action, type) → to. */
const EXPECTED: Expectation[] = [
  // buyer
  ...E([NEW], ['BUYER'], 'apply', BOTH, 'PENDING_REVIEW'),
  ...E(['PENDING_REVIEW', 'REJECTED'], ['BUYER'], 'modify', BOTH, 'PENDING_REVIEW'),
  ...E(['PENDING_REVIEW', 'NEGOTIATING', 'AWAITING_SHIPMENT', 'REJECTED'], ['BUYER'], 'cancel', BOTH, 'CANCELLED'),
  ...E(['NEGOTIATING'], ['BUYER'], 'acceptProposal', BOTH, 'REFUNDING'),
  ...E(['NEGOTIATING'], ['BUYER'], 'declineProposal', BOTH, 'PENDING_REVIEW'),
  ...E(['NEGOTIATING'], ['BUYER'], 'declineProposal', BOTH, 'IN_TRANSIT', { current: { proposalFrom: 'IN_TRANSIT' } }),
  ...E(['AWAITING_SHIPMENT'], ['BUYER'], 'submitLogistics', BACK, 'IN_TRANSIT'),
  ...E(['IN_TRANSIT'], ['BUYER'], 'correctLogistics', BACK, 'IN_TRANSIT'),
  ...E(['RESHIPPED'], ['BUYER'], 'confirmExchange', EX, 'EXCHANGED'),
  ...E(['REJECTED'], ['BUYER'], 'appeal', BOTH, 'DISPUTED'),
  // merchant
  ...E(['PENDING_REVIEW'], MERCHANTS, 'approve', RO, 'REFUNDING'),
  ...E(['PENDING_REVIEW'], MERCHANTS, 'approve', BACK, 'AWAITING_SHIPMENT'),
  ...E(['PENDING_REVIEW'], MERCHANTS, 'reject', BOTH, 'REJECTED'),
  ...E(['IN_TRANSIT'], MERCHANTS, 'confirmReceipt', RR, 'REFUNDING'),
  ...E(['IN_TRANSIT'], MERCHANTS, 'confirmReceipt', EX, 'AWAITING_RESHIP'),
  ...E(['IN_TRANSIT'], MERCHANTS, 'refuseReceipt', BACK, 'REJECTED'),
  ...E(['AWAITING_RESHIP'], MERCHANTS, 'reship', EX, 'RESHIPPED'),
  ...E(['AWAITING_RESHIP'], MERCHANTS, 'convertToRefund', EX, 'REFUNDING'),
  ...E(['PENDING_REVIEW'], MERCHANTS, 'propose', BOTH, 'NEGOTIATING'),
  ...E(['IN_TRANSIT'], MERCHANTS, 'propose', RR, 'NEGOTIATING', {
    payload: { proposal: { kind: 'LOWER_AFTER_RECEIPT', amount: 500, reason: '外包装破损', evidence: ['cloud://env/evidence/m1/box.jpg'] } },
  }),
  ...E(['REFUND_FAILED'], MERCHANTS, 'retryRefund', BOTH, 'REFUNDING'),
  ...E(['REFUND_FAILED'], MERCHANTS, 'markOffline', BOTH, 'REFUNDED'),
  // arbiter
  ...E(['DISPUTED'], ARBITERS, 'decide', RO, 'REFUNDING'),
  ...E(['DISPUTED'], ARBITERS, 'decide', BACK, 'AWAITING_SHIPMENT'),
  ...E(['DISPUTED'], ARBITERS, 'decide', RR, 'REFUNDING', { current: { hasLogistics: true } }),
  ...E(['DISPUTED'], ARBITERS, 'decide', EX, 'AWAITING_RESHIP', { current: { hasLogistics: true } }),
  ...E(['DISPUTED'], ARBITERS, 'decide', BOTH, 'CLOSED', { payload: { decision: 'MERCHANT' } }),
  // system
  ...E(['PENDING_REVIEW'], ['SYSTEM'], 'autoApprove', RO, 'REFUNDING'),
  ...E(['PENDING_REVIEW'], ['SYSTEM'], 'autoApprove', BACK, 'AWAITING_SHIPMENT'),
  ...E(['AWAITING_SHIPMENT'], ['SYSTEM'], 'closeUnshipped', BACK, 'CLOSED'),
  ...E(['IN_TRANSIT'], ['SYSTEM'], 'autoReceive', RR, 'REFUNDING'),
  ...E(['IN_TRANSIT'], ['SYSTEM'], 'autoReceive', EX, 'AWAITING_RESHIP'),
  ...E(['AWAITING_RESHIP'], ['SYSTEM'], 'autoConvert', EX, 'REFUNDING'),
  ...E(['RESHIPPED'], ['SYSTEM'], 'autoConfirmExchange', EX, 'EXCHANGED'),
  ...E(['REJECTED'], ['SYSTEM'], 'closeAppealWindow', BOTH, 'CLOSED'),
  ...E(['REFUNDING'], ['SYSTEM'], 'refundSucceeded', BOTH, 'REFUNDED'),
  ...E(['REFUNDING'], ['SYSTEM'], 'refundFailed', BOTH, 'REFUND_FAILED'),
  ...E(['NEGOTIATING'], ['SYSTEM'], 'lapseProposal', BOTH, 'PENDING_REVIEW'),
  ...E(['DISPUTED'], ['SYSTEM'], 'autoDecide', RO, 'REFUNDING'),
  ...E(['DISPUTED'], ['SYSTEM'], 'autoDecide', BACK, 'AWAITING_SHIPMENT'),
];

const key = (from: FromStatus, role: Role, action: ActionName, type: ReturnType) => `${from}|${role}|${action}|${type}`;
const statusOf = (f: FromStatus): ReturnStatus | null => (f === NEW ? null : f);

function run(e: Expectation) {
  return applyTransition({
    current: currentIn(statusOf(e.from), e.type, e.role, e.current),
    actor: { role: e.role, openid: e.role === 'SYSTEM' ? undefined : 'o_actor' },
    action: e.action,
    now: NOW,
    policy,
    payload: { ...goodPayload(e.action, statusOf(e.from)), ...e.payload },
    ledger: OWN_LEDGER,
  });
}

describe('transition table', () => {
  it('is one array of rows covering every action name', () => {
    expect(Array.isArray(TRANSITIONS)).toBe(true);
    expect(new Set(TRANSITIONS.map((r) => r.action))).toEqual(new Set(ACTION_NAMES));
    expect(ACTION_NAMES).toHaveLength(29);
    for (const a of ACTION_NAMES) expect(ACTION_LABELS[a]).toMatch(/[\u4e00-\u9fa5]/);
  });

  it('has no overlapping rows (status, role, action, type) and never leaves a terminal status', () => {
    const seen = new Set<string>();
    for (const row of TRANSITIONS) {
      for (const f of fromList(row)) {
        if (f !== NEW) expect(STATUSES[f].terminal).toBe(false);
        for (const role of row.roles) {
          for (const type of row.types ?? TYPES) {
            const k = key(f, role, row.action, type);
            expect(seen.has(k)).toBe(false);
            seen.add(k);
          }
        }
      }
    }
  });

  it('has an explicit expectation for every (row, from, role, type) combination', () => {
    const expected = new Set(EXPECTED.map((e) => key(e.from, e.role, e.action, e.type)));
    const missing: string[] = [];
    for (const row of TRANSITIONS) {
      for (const f of fromList(row))
        for (const role of row.roles)
          for (const type of row.types ?? TYPES) {
            const k = key(f, role, row.action, type);
            if (!expected.has(k)) missing.push(k);
          }
    }
    expect(missing).toEqual([]);
  });

  it('has a row for every explicit expectation (no expectation without a row)', () => {
    const extra = EXPECTED.filter((e) => !findRow(statusOf(e.from), e.role, e.action, e.type));
    expect(extra).toEqual([]);
  });

  describe.each(EXPECTED.map((e) => [key(e.from, e.role, e.action, e.type) + ` → ${e.to}`, e] as const))('%s', (_name, e) => {
    it('succeeds with the expected target status, version+1 and a timeline event', () => {
      const r = run(e);
      expect(r).toMatchObject({ ok: true, to: e.to });
      if (!r.ok) return;
      expect(r.patch.status).toBe(e.to);
      expect(r.patch.version).toBe((statusOf(e.from) ? 3 : 0) + 1);
      expect(r.patch.updatedAt).toBe(NOW);
      expect(r.event.from).toBe(statusOf(e.from));
      expect(r.event.to).toBe(e.to);
      expect(r.event.action).toBe(e.action);
      expect(r.event.at).toBe(NOW);
      expect(r.event.actor.role).toBe(e.role);
    });
  });

  it('refuses every (status, role, action, type) that has no row: FORBIDDEN or INVALID_STATE', () => {
    const wrong: string[] = [];
    const froms: FromStatus[] = [NEW, ...ALL_STATUSES];
    for (const f of froms)
      for (const role of ROLES)
        for (const action of ACTION_NAMES)
          for (const type of TYPES) {
            if (findRow(statusOf(f), role, action, type)) continue;
            const r = applyTransition({
              current: currentIn(statusOf(f), type, role, { hasLogistics: true, returnAddress: ADDRESS }),
              actor: { role },
              action,
              now: NOW,
              policy,
              payload: goodPayload(action, statusOf(f)),
            });
            const roleMayEver = TRANSITIONS.some((row) => row.action === action && row.roles.includes(role));
            const want = roleMayEver ? 'INVALID_STATE' : 'FORBIDDEN';
            if (r.ok || r.code !== want) wrong.push(`${key(f, role, action, type)} → ${r.ok ? r.to : r.code}`);
          }
    expect(wrong).toEqual([]);
  });

  it('maps roles explicitly: ADMIN may do merchant and arbiter actions, system actions only as SYSTEM', () => {
    const rolesOf = (a: ActionName) => [...new Set(TRANSITIONS.filter((r) => r.action === a).flatMap((r) => r.roles))].sort();
    expect(rolesOf('approve')).toEqual(['ADMIN', 'MERCHANT']);
    expect(rolesOf('decide')).toEqual(['ADMIN', 'ARBITER']);
    expect(rolesOf('apply')).toEqual(['BUYER']);
    expect(rolesOf('appeal')).toEqual(['BUYER']);
    for (const a of ['autoApprove', 'closeUnshipped', 'autoReceive', 'closeAppealWindow', 'refundSucceeded', 'refundFailed'] as ActionName[]) {
      expect(rolesOf(a)).toEqual(['SYSTEM']);
    }
  });
});
