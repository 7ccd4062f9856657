/**
 * THE transition table of an after-sale (domain.md "After-sale state machine").
 * One row per (from-statuses, roles, action): read it as data. apply.ts and
 * allowedActions() are derived from it; there is no second list.
 *
 * Decisions (see also the report in docs):
 * - "no status yet" is the pseudo-status NEW (`current.status === null`).
 * - Roles are listed per row. MERCHANT rows are also open to ADMIN; the
 *   arbiter's `decide` is open to ARBITER and ADMIN. System rows accept only
 *   SYSTEM: an ADMIN who runs the sweep by hand acts as SYSTEM (the sweep
 *   passes role SYSTEM, with the admin's openid in the timeline).
 * - cancel is allowed "before IN_TRANSIT": PENDING_REVIEW, AWAITING_SHIPMENT,
 *   and REJECTED while the goods were never sent back (GOODS_SENT otherwise).
 *   Not IN_TRANSIT, DISPUTED (the arbiter decides) and later.
 * - Deadlines are binding for the party that was waited on: once a deadline
 *   has passed, the waited-on party can no longer take the action that would
 *   avoid the default outcome (merchant reject after the review deadline,
 *   buyer submitLogistics after the ship deadline, merchant refuseReceipt after
 *   the receive deadline, buyer modify/appeal after the appeal window) — the
 *   sweep applies the default outcome. Actions that lead to the same outcome
 *   as the default (approve, confirmReceipt) or that the other party takes
 *   (buyer cancel) stay allowed. At the exact deadline instant both the human
 *   action and the system action are allowed (now ≤ deadline / now ≥ deadline);
 *   the compare-and-set decides.
 * - System deadline actions refuse DEADLINE_NOT_REACHED before the deadline.
 * - correctLogistics keeps the IN_TRANSIT deadline (a correction does not give
 *   the merchant a new receive window); every other transition, including
 *   modify (a new submission), starts the new status's deadline from `now`.
 */
import type { Policy, Refusal, ReturnStatus, ReturnType, Role } from '../policy/types';
import { deadlineFor } from './deadlines';
import { STATUSES } from './statuses';

export type BuyerAction = 'apply' | 'modify' | 'cancel' | 'submitLogistics' | 'correctLogistics' | 'appeal' | 'acceptProposal' | 'declineProposal' | 'confirmExchange';
export type MerchantAction = 'approve' | 'reject' | 'confirmReceipt' | 'refuseReceipt' | 'retryRefund' | 'markOffline' | 'propose' | 'reship' | 'convertToRefund';
export type ArbiterAction = 'decide';
export type SystemAction =
  | 'autoApprove'
  | 'closeUnshipped'
  | 'autoReceive'
  | 'closeAppealWindow'
  | 'refundSucceeded'
  | 'refundFailed'
  | 'lapseProposal'
  | 'autoDecide'
  | 'autoConvert'
  | 'autoConfirmExchange';
export type ActionName = BuyerAction | MerchantAction | ArbiterAction | SystemAction;

/** Chinese label per action (button text / timeline wording). */
export const ACTION_LABELS: Readonly<Record<ActionName, string>> = Object.freeze({
  apply: '申请售后',
  modify: '修改申请',
  cancel: '撤销申请',
  submitLogistics: '填写退货物流',
  correctLogistics: '修改物流信息',
  appeal: '申请店铺主管复核',
  acceptProposal: '同意协商方案',
  declineProposal: '拒绝协商方案',
  confirmExchange: '确认收到换货',
  approve: '同意售后',
  reject: '拒绝售后',
  confirmReceipt: '确认收货',
  refuseReceipt: '拒绝收货',
  retryRefund: '重新发起退款',
  markOffline: '登记线下退款',
  propose: '提出协商方案',
  reship: '发出换货',
  convertToRefund: '转为退款',
  decide: '店铺主管复核',
  autoApprove: '超时自动同意',
  closeUnshipped: '超时未寄回关闭',
  autoReceive: '超时自动收货',
  closeAppealWindow: '申诉期满关闭',
  refundSucceeded: '退款成功',
  refundFailed: '退款异常',
  lapseProposal: '协商方案超时未确认',
  autoDecide: '复核超时，支持买家',
  autoConvert: '超时未发出换货，转为退款',
  autoConfirmExchange: '超时自动确认收到换货',
});

export const ACTION_NAMES = Object.keys(ACTION_LABELS) as ActionName[];

/** Pseudo-status of an after-sale that does not exist yet (only `apply` leaves it). */
export const NEW = 'NEW' as const;
export type FromStatus = ReturnStatus | typeof NEW;

/**
 * A return address. The machine only checks that one is present (an object
 * with at least one non-empty string field, or a non-empty string); its shape
 * is validated by the function's input schema.
 */
export type ReturnAddress = { name?: string; phone?: string; address?: string; [key: string]: unknown } | string;

export type Decision = 'BUYER' | 'MERCHANT';

/**
 * A merchant's proposal (协商) instead of approve / reject:
 * - PARTIAL_REFUND: part of the amount, the buyer keeps the goods (in review);
 * - REFUND_WITHOUT_RETURN: the full amount, nothing is sent back (in review, RETURN_REFUND / EXCHANGE);
 * - LOWER_AFTER_RECEIPT: a lower amount after inspecting the returned goods, with evidence (in IN_TRANSIT).
 */
export type ProposalKind = 'PARTIAL_REFUND' | 'REFUND_WITHOUT_RETURN' | 'LOWER_AFTER_RECEIPT';

/** Which proposals a merchant may make in which status (and for which type). */
export const PROPOSAL_KINDS: Readonly<Record<ProposalKind, { from: ReturnStatus; types: ReturnType[]; label: string }>> = Object.freeze({
  PARTIAL_REFUND: { from: 'PENDING_REVIEW', types: ['REFUND_ONLY', 'RETURN_REFUND', 'EXCHANGE'], label: '部分退款，商品无需退回' },
  REFUND_WITHOUT_RETURN: { from: 'PENDING_REVIEW', types: ['RETURN_REFUND', 'EXCHANGE'], label: '全额退款，商品无需退回' },
  LOWER_AFTER_RECEIPT: { from: 'IN_TRANSIT', types: ['RETURN_REFUND'], label: '验货后协商退款金额' },
});

export interface TransitionPayload {
  /** Reject reason (merchant), or any reason text; goes to the timeline note. */
  reason?: string;
  note?: string;
  /** fileIDs shown with the timeline event. */
  evidence?: string[];
  /** Address chosen by the merchant (approve) or the arbiter (decide). */
  returnAddress?: ReturnAddress | null;
  /** The shop's default return address (settings): used when none is given, and by autoApprove. */
  defaultReturnAddress?: ReturnAddress | null;
  decision?: Decision;
  /** modify: the request changes the lines or quantities. */
  linesChanged?: boolean;
  /** reship: the replacement's carrier and waybill (换货). */
  reship?: { carrier?: string; trackingNo?: string };
  /** propose: the merchant's proposal. */
  proposal?: { kind: ProposalKind; amount?: number; reason?: string; evidence?: string[] };
}

/** What the machine needs to know of the stored after-sale. */
export interface CurrentReturn {
  /** null = no after-sale yet (pseudo-status NEW). */
  status: ReturnStatus | null;
  type: ReturnType;
  version: number;
  /** Stored deadline of the current status (null/undefined: none or unknown). */
  deadline?: Date | null;
  deadlineAction?: string | null;
  /** When the current status was entered (stored as `statusEnteredAt`). */
  enteredAt?: Date | null;
  lastReminderAt?: Date | null;
  /** The buyer has sent the goods back in this after-sale, at any time (sticky: whatever happened after). */
  hasLogistics?: boolean;
  /** Logistics corrections made so far. */
  corrections?: number;
  /** NEGOTIATING: the status the proposal was made in (declining or letting it lapse goes back there). */
  proposalFrom?: ReturnStatus | null;
  /** Proposals made so far. */
  proposals?: number;
  returnAddress?: ReturnAddress | null;
}

/**
 * What the machine needs of the order's ledger to decide actions that change
 * what an after-sale covers (appeal, decide for the buyer): the order's lines
 * and every after-sale of the order with its status and lines.
 */
export interface LedgerView {
  /** The after-sale being decided. */
  self: string;
  lines: readonly { lineId: string; quantity: number; title?: string }[];
  entries: readonly { returnId: string; status: ReturnStatus; lines: readonly { lineId: string; quantity: number }[] }[];
}

export interface Actor {
  role: Role;
  openid?: string;
}

export interface TransitionContext {
  current: CurrentReturn;
  actor: Actor;
  action: ActionName;
  now: Date;
  policy: Policy;
  payload: TransitionPayload;
  /** The order's ledger, given when the row needs it (row.ledger). */
  ledger?: LedgerView;
}

export type Guard = (ctx: TransitionContext) => Refusal | null;

export interface TransitionRow {
  from: FromStatus | FromStatus[];
  roles: Role[];
  action: ActionName;
  to: ReturnStatus | ((ctx: TransitionContext) => ReturnStatus);
  /** Row applies only to these after-sale types (default: all). */
  types?: readonly ReturnType[];
  /** State/time condition: checked by applyTransition AND allowedActions. */
  guard?: Guard;
  /** Input condition (what the caller must send): checked by applyTransition only. */
  requires?: Guard;
  /** Default Chinese timeline note. */
  note?: string | ((ctx: TransitionContext) => string | undefined);
  /** Self-loop that keeps the current deadline (correctLogistics). */
  keepDeadline?: boolean;
  /** Condition on the order's ledger: the caller must pass it (TransitionContext.ledger); checked after `guard`. */
  ledgerGuard?: Guard;
}

/** Refusal codes of guards (besides INVALID_STATE and FORBIDDEN from apply.ts). */
export const GUARD_CODES = Object.freeze({
  APPEAL_WINDOW_CLOSED: 'APPEAL_WINDOW_CLOSED',
  DEADLINE_PASSED: 'DEADLINE_PASSED',
  DEADLINE_NOT_REACHED: 'DEADLINE_NOT_REACHED',
  RETURN_ADDRESS_REQUIRED: 'RETURN_ADDRESS_REQUIRED',
  REASON_REQUIRED: 'REASON_REQUIRED',
  EVIDENCE_REQUIRED: 'EVIDENCE_REQUIRED',
  NOTE_REQUIRED: 'NOTE_REQUIRED',
  DECISION_REQUIRED: 'DECISION_REQUIRED',
  GOODS_SENT: 'GOODS_SENT',
  UNITS_TAKEN: 'UNITS_TAKEN',
  CORRECTIONS_EXHAUSTED: 'CORRECTIONS_EXHAUSTED',
  PROPOSALS_EXHAUSTED: 'PROPOSALS_EXHAUSTED',
  PROPOSAL_INVALID: 'PROPOSAL_INVALID',
  WAYBILL_REQUIRED: 'WAYBILL_REQUIRED',
} as const);
export type GuardCode = (typeof GUARD_CODES)[keyof typeof GUARD_CODES];

// ---------------------------------------------------------------- helpers

function validDate(v: unknown): Date | null {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

/**
 * Deadline of the current status: the stored one, else recomputed from
 * enteredAt, else null (unknown: time guards then let the action through).
 */
export function currentDeadline(ctx: Pick<TransitionContext, 'current' | 'policy'>): Date | null {
  const { current, policy } = ctx;
  const stored = validDate(current.deadline);
  if (stored) return stored;
  const entered = validDate(current.enteredAt);
  if (!current.status || !entered) return null;
  return deadlineFor(current.status, entered, policy).deadline;
}

function nonEmpty(s: unknown): boolean {
  return typeof s === 'string' && s.trim().length > 0;
}

export function hasAddress(a: unknown): boolean {
  if (typeof a === 'string') return a.trim().length > 0;
  if (!a || typeof a !== 'object' || Array.isArray(a)) return false;
  return Object.values(a as Record<string, unknown>).some(nonEmpty);
}

/** Address used by approve / autoApprove / decide: given › already stored › shop default. */
export function resolveReturnAddress(ctx: Pick<TransitionContext, 'current' | 'payload'>): ReturnAddress | null {
  for (const a of [ctx.payload.returnAddress, ctx.current.returnAddress, ctx.payload.defaultReturnAddress]) {
    if (hasAddress(a)) return a as ReturnAddress;
  }
  return null;
}

const refuse = (code: GuardCode, message: string): Refusal => ({ code, message });

/** The waited-on party acts in time: now ≤ deadline. */
function beforeDeadline(code: GuardCode, message: string): Guard {
  return (ctx) => {
    const d = currentDeadline(ctx);
    return d && ctx.now.getTime() > d.getTime() ? refuse(code, message) : null;
  };
}

/** A system deadline action: only once the deadline is reached (now ≥ deadline). */
const deadlineReached: Guard = (ctx) => {
  const d = currentDeadline(ctx);
  return d && ctx.now.getTime() < d.getTime() ? refuse(GUARD_CODES.DEADLINE_NOT_REACHED, '尚未到处理期限，不能自动处理') : null;
};

/** Once goods were sent in an after-sale it can never be withdrawn, whatever happened after (a modify, a refused receipt). */
const goodsNotSent: Guard = (ctx) => (ctx.current.hasLogistics ? refuse(GUARD_CODES.GOODS_SENT, '商品已寄回商家，不能撤销申请；如有异议可申请店铺主管复核') : null);

/** Logistics belong to the lines that were sent: after sending, the lines and quantities stay as they are. */
const linesFixedOnceSent: Guard = (ctx) =>
  ctx.payload.linesChanged && ctx.current.hasLogistics ? refuse(GUARD_CODES.GOODS_SENT, '商品已寄出，不能再修改售后商品或数量；如需为其他商品申请，请另行申请售后') : null;

const correctionsLeft: Guard = (ctx) =>
  (ctx.current.corrections ?? 0) >= ctx.policy.maxLogisticsCorrections
    ? refuse(GUARD_CODES.CORRECTIONS_EXHAUSTED, `物流信息最多可修改 ${ctx.policy.maxLogisticsCorrections} 次，如需再次修改请联系商家`)
    : null;

/**
 * The units of this after-sale are still its own: no other after-sale of the
 * order that holds its units (machine/statuses holdsUnits) took them meanwhile.
 * Without the ledger the row cannot be decided: refused.
 */
export const unitsStillOwn: Guard = (ctx) => {
  const ledger = ctx.ledger;
  if (!ledger) return refuse(GUARD_CODES.UNITS_TAKEN, '无法核对该售后的商品数量，请稍后重试');
  const self = ledger.entries.find((e) => e.returnId === ledger.self);
  for (const own of self?.lines ?? []) {
    const line = ledger.lines.find((l) => l.lineId === own.lineId);
    let held = own.quantity;
    for (const e of ledger.entries) {
      if (e.returnId === ledger.self || !STATUSES[e.status]?.holdsUnits) continue;
      for (const l of e.lines) if (l.lineId === own.lineId) held += l.quantity;
    }
    if (!line || held > line.quantity) {
      return refuse(GUARD_CODES.UNITS_TAKEN, `「${line?.title ?? own.lineId}」已由其他售后申请处理，本售后不能再继续`);
    }
  }
  return null;
};

const proposalsLeft: Guard = (ctx) =>
  (ctx.current.proposals ?? 0) >= ctx.policy.maxProposals
    ? refuse(GUARD_CODES.PROPOSALS_EXHAUSTED, `每个售后最多可提出 ${ctx.policy.maxProposals} 次协商方案，请直接同意或拒绝`)
    : null;

/** The proposal fits the status and type, and carries what its kind needs (a reason; evidence after receipt). The amount is checked against the settled maximum by the shell. */
const proposalValid: Guard = (ctx) => {
  const p = ctx.payload.proposal;
  const kind = p ? PROPOSAL_KINDS[p.kind] : undefined;
  if (!p || !kind) return refuse(GUARD_CODES.PROPOSAL_INVALID, '请选择协商方案');
  if (kind.from !== ctx.current.status || !kind.types.includes(ctx.current.type)) return refuse(GUARD_CODES.PROPOSAL_INVALID, `当前状态不能提出「${kind.label}」`);
  if (!nonEmpty(p.reason)) return refuse(GUARD_CODES.REASON_REQUIRED, '请填写协商说明');
  if (p.kind !== 'REFUND_WITHOUT_RETURN' && !(typeof p.amount === 'number' && Number.isSafeInteger(p.amount) && p.amount > 0))
    return refuse(GUARD_CODES.PROPOSAL_INVALID, '请填写协商退款金额');
  if (p.kind === 'LOWER_AFTER_RECEIPT' && !(p.evidence ?? []).some(nonEmpty)) return refuse(GUARD_CODES.EVIDENCE_REQUIRED, '验货后协商金额需要上传验货凭证');
  return null;
};

/** Declining or letting a proposal lapse goes back to where it was made (review, or the receipt). */
const backFromProposal = (ctx: TransitionContext): ReturnStatus => ctx.current.proposalFrom ?? 'PENDING_REVIEW';

/** After-sale types whose goods come back to the shop (退货退款, 换货): logistics, receipt, a return address. */
export const GOODS_BACK: readonly ReturnType[] = Object.freeze(['RETURN_REFUND', 'EXCHANGE'] as ReturnType[]);
/** After-sale types whose goods come back AND a replacement goes out (换货). */
const EXCHANGE: readonly ReturnType[] = ['EXCHANGE'];

const needsReturnAddressFor = (type: ReturnType, to: ReturnStatus): boolean => GOODS_BACK.includes(type) && to === 'AWAITING_SHIPMENT';

function addressGuard(toOf: (ctx: TransitionContext) => ReturnStatus, message: string): Guard {
  return (ctx) => (needsReturnAddressFor(ctx.current.type, toOf(ctx)) && !resolveReturnAddress(ctx) ? refuse(GUARD_CODES.RETURN_ADDRESS_REQUIRED, message) : null);
}

function all(...guards: Guard[]): Guard {
  return (ctx) => {
    for (const g of guards) {
      const r = g(ctx);
      if (r) return r;
    }
    return null;
  };
}

/** approve / autoApprove: money straight back for REFUND_ONLY, goods first for RETURN_REFUND and EXCHANGE. */
const approvedTo = (ctx: TransitionContext): ReturnStatus => (ctx.current.type === 'REFUND_ONLY' ? 'REFUNDING' : 'AWAITING_SHIPMENT');

/** The goods came back (confirmReceipt, autoReceive): the refund for a return, the replacement's shipment for an exchange. */
const receivedTo = (ctx: TransitionContext): ReturnStatus => (ctx.current.type === 'EXCHANGE' ? 'AWAITING_RESHIP' : 'REFUNDING');

/**
 * decide: for the buyer, refund if nothing has to travel (REFUND_ONLY or goods
 * already sent back; an exchange whose goods came back waits for the
 * replacement), else ask for the goods.
 */
const decidedTo = (ctx: TransitionContext): ReturnStatus => {
  if (ctx.payload.decision === 'MERCHANT') return 'CLOSED';
  if (ctx.current.type === 'REFUND_ONLY') return 'REFUNDING';
  return ctx.current.hasLogistics ? receivedTo(ctx) : 'AWAITING_SHIPMENT';
};

/** reship: the replacement goes out with a carrier and a waybill the buyer can track. */
const waybillGiven: Guard = (ctx) =>
  nonEmpty(ctx.payload.reship?.carrier) && nonEmpty(ctx.payload.reship?.trackingNo) ? null : refuse(GUARD_CODES.WAYBILL_REQUIRED, '请填写换货商品的快递公司和运单号');

const BUYER: Role[] = ['BUYER'];
/** Staff roles (the shop's people); each row below names which of them may act. */
export const STAFF_ROLES: readonly ('MERCHANT' | 'ARBITER' | 'ADMIN')[] = Object.freeze(['MERCHANT', 'ARBITER', 'ADMIN'] as const);
const MERCHANT: Role[] = ['MERCHANT', 'ADMIN'];
const ARBITER: Role[] = ['ARBITER', 'ADMIN'];
const SYSTEM: Role[] = ['SYSTEM'];

// ---------------------------------------------------------------- the table

export const TRANSITIONS: readonly TransitionRow[] = Object.freeze([
  // buyer
  { from: NEW, roles: BUYER, action: 'apply', to: 'PENDING_REVIEW' },
  { from: 'PENDING_REVIEW', roles: BUYER, action: 'modify', to: 'PENDING_REVIEW', requires: linesFixedOnceSent },
  {
    from: 'REJECTED',
    roles: BUYER,
    action: 'modify',
    to: 'PENDING_REVIEW',
    guard: beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '修改期限已过，售后将被关闭'),
    requires: linesFixedOnceSent,
  },
  { from: ['PENDING_REVIEW', 'NEGOTIATING', 'AWAITING_SHIPMENT', 'REJECTED'], roles: BUYER, action: 'cancel', to: 'CANCELLED', guard: goodsNotSent },
  {
    from: 'NEGOTIATING',
    roles: BUYER,
    action: 'acceptProposal',
    to: 'REFUNDING',
    guard: beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '协商方案已过确认期限'),
    note: '买家同意协商方案',
  },
  { from: 'NEGOTIATING', roles: BUYER, action: 'declineProposal', to: backFromProposal, note: '买家拒绝协商方案，由商家继续处理' },
  { from: 'RESHIPPED', roles: BUYER, action: 'confirmExchange', to: 'EXCHANGED', types: EXCHANGE, note: '买家确认收到换货商品' },
  {
    from: 'AWAITING_SHIPMENT',
    roles: BUYER,
    action: 'submitLogistics',
    to: 'IN_TRANSIT',
    types: GOODS_BACK,
    guard: beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '寄回期限已过，售后将被关闭'),
  },
  {
    from: 'IN_TRANSIT',
    roles: BUYER,
    action: 'correctLogistics',
    to: 'IN_TRANSIT',
    types: GOODS_BACK,
    guard: all(beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '商家收货期限已过，不能再修改物流信息'), correctionsLeft),
    keepDeadline: true,
    note: '买家修改了物流信息',
  },
  {
    from: 'REJECTED',
    roles: BUYER,
    action: 'appeal',
    to: 'DISPUTED',
    guard: beforeDeadline(GUARD_CODES.APPEAL_WINDOW_CLOSED, '申诉期已过，不能再申请店铺主管复核'),
    ledgerGuard: unitsStillOwn,
    note: '买家申请店铺主管复核',
  },

  // merchant (and ADMIN)
  {
    from: 'PENDING_REVIEW',
    roles: MERCHANT,
    action: 'approve',
    to: approvedTo,
    requires: addressGuard(approvedTo, '退货退款需要填写退货地址'),
    note: '商家同意售后',
  },
  {
    from: 'PENDING_REVIEW',
    roles: MERCHANT,
    action: 'reject',
    to: 'REJECTED',
    guard: beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '处理期限已过，系统将自动同意'),
    requires: (ctx) => (nonEmpty(ctx.payload.reason) ? null : refuse(GUARD_CODES.REASON_REQUIRED, '请填写拒绝原因')),
    note: '商家拒绝售后',
  },
  { from: 'IN_TRANSIT', roles: MERCHANT, action: 'confirmReceipt', to: receivedTo, types: GOODS_BACK, note: '商家确认收货' },
  {
    from: 'IN_TRANSIT',
    roles: MERCHANT,
    action: 'refuseReceipt',
    to: 'REJECTED',
    types: GOODS_BACK,
    guard: beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '收货期限已过，系统将自动确认收货'),
    requires: (ctx) => (Array.isArray(ctx.payload.evidence) && ctx.payload.evidence.some(nonEmpty) ? null : refuse(GUARD_CODES.EVIDENCE_REQUIRED, '拒绝收货需要上传验货凭证')),
    note: '商家验货未通过，拒绝收货',
  },
  {
    from: 'PENDING_REVIEW',
    roles: MERCHANT,
    action: 'propose',
    to: 'NEGOTIATING',
    guard: all(beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '处理期限已过，系统将自动同意'), proposalsLeft),
    requires: proposalValid,
    note: '商家提出协商方案',
  },
  {
    from: 'IN_TRANSIT',
    roles: MERCHANT,
    action: 'propose',
    to: 'NEGOTIATING',
    types: ['RETURN_REFUND'],
    guard: all(beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '收货期限已过，系统将自动确认收货'), proposalsLeft),
    requires: proposalValid,
    note: '商家验货后提出协商方案',
  },
  {
    from: 'AWAITING_RESHIP',
    roles: MERCHANT,
    action: 'reship',
    to: 'RESHIPPED',
    types: EXCHANGE,
    guard: beforeDeadline(GUARD_CODES.DEADLINE_PASSED, '发出换货的期限已过，系统将转为退款'),
    requires: waybillGiven,
    note: '商家已发出换货商品',
  },
  {
    // The replacement cannot go out (out of stock, …): the returned units are refunded instead (the money rules of a return apply).
    from: 'AWAITING_RESHIP',
    roles: MERCHANT,
    action: 'convertToRefund',
    to: 'REFUNDING',
    types: EXCHANGE,
    requires: (ctx) => (nonEmpty(ctx.payload.reason) ? null : refuse(GUARD_CODES.REASON_REQUIRED, '请填写转为退款的原因，买家将看到')),
    note: '换货转为退款',
  },
  { from: 'REFUND_FAILED', roles: MERCHANT, action: 'retryRefund', to: 'REFUNDING', note: '商家重新发起退款' },
  {
    from: 'REFUND_FAILED',
    roles: MERCHANT,
    action: 'markOffline',
    to: 'REFUNDED',
    requires: (ctx) => (nonEmpty(ctx.payload.note) ? null : refuse(GUARD_CODES.NOTE_REQUIRED, '请填写线下退款说明')),
    note: '商家登记线下退款',
  },

  // arbiter (and ADMIN)
  {
    from: 'DISPUTED',
    roles: ARBITER,
    action: 'decide',
    to: decidedTo,
    ledgerGuard: (ctx) => (ctx.payload.decision === 'MERCHANT' ? null : unitsStillOwn(ctx)),
    requires: all(
      (ctx) => (ctx.payload.decision === 'BUYER' || ctx.payload.decision === 'MERCHANT' ? null : refuse(GUARD_CODES.DECISION_REQUIRED, '请选择裁决结果')),
      addressGuard(decidedTo, '裁决买家寄回商品需要退货地址'),
    ),
    note: (ctx) => (ctx.payload.decision === 'MERCHANT' ? '店铺主管复核：支持商家' : '店铺主管复核：支持买家'),
  },

  // system (the sweep, the refund reconciliation)
  {
    from: 'PENDING_REVIEW',
    roles: SYSTEM,
    action: 'autoApprove',
    to: approvedTo,
    guard: deadlineReached,
    requires: addressGuard(approvedTo, '未设置默认退货地址，无法自动同意'),
    note: '商家超时未处理，系统自动同意',
  },
  {
    from: 'AWAITING_SHIPMENT',
    roles: SYSTEM,
    action: 'closeUnshipped',
    to: 'CLOSED',
    types: GOODS_BACK,
    guard: deadlineReached,
    note: '买家超时未寄回，售后关闭',
  },
  {
    from: 'IN_TRANSIT',
    roles: SYSTEM,
    action: 'autoReceive',
    to: receivedTo,
    types: GOODS_BACK,
    guard: deadlineReached,
    note: '商家超时未确认收货，系统自动确认收货',
  },
  { from: 'REJECTED', roles: SYSTEM, action: 'closeAppealWindow', to: 'CLOSED', guard: deadlineReached, note: '申诉期已过，售后关闭' },
  { from: 'NEGOTIATING', roles: SYSTEM, action: 'lapseProposal', to: backFromProposal, guard: deadlineReached, note: '买家超时未确认协商方案，由商家继续处理' },
  {
    // The arbiter stays silent past the deadline: decided for the buyer, as a silent merchant loses review.
    from: 'DISPUTED',
    roles: SYSTEM,
    action: 'autoDecide',
    to: decidedTo,
    guard: deadlineReached,
    ledgerGuard: unitsStillOwn,
    requires: addressGuard(decidedTo, '未设置默认退货地址，无法自动裁决'),
    note: '店铺主管超时未复核，系统支持买家',
  },
  {
    from: 'AWAITING_RESHIP',
    roles: SYSTEM,
    action: 'autoConvert',
    to: 'REFUNDING',
    types: EXCHANGE,
    guard: deadlineReached,
    note: '商家超时未发出换货，系统转为退款',
  },
  {
    from: 'RESHIPPED',
    roles: SYSTEM,
    action: 'autoConfirmExchange',
    to: 'EXCHANGED',
    types: EXCHANGE,
    guard: deadlineReached,
    note: '买家超时未确认，系统确认收到换货',
  },
  { from: 'REFUNDING', roles: SYSTEM, action: 'refundSucceeded', to: 'REFUNDED', note: '退款成功，款项已原路退回' },
  { from: 'REFUNDING', roles: SYSTEM, action: 'refundFailed', to: 'REFUND_FAILED', note: '退款异常，等待商家处理' },
] as TransitionRow[]);

export function fromList(row: TransitionRow): FromStatus[] {
  return Array.isArray(row.from) ? row.from : [row.from];
}

/** The staff roles that may act on an after-sale in `status` (the rows leaving it). */
export function staffWhoActIn(status: ReturnStatus): ('MERCHANT' | 'ARBITER' | 'ADMIN')[] {
  const out: ('MERCHANT' | 'ARBITER' | 'ADMIN')[] = [];
  for (const r of TRANSITIONS) {
    if (!fromList(r).includes(status)) continue;
    for (const role of STAFF_ROLES) if (r.roles.includes(role) && !out.includes(role)) out.push(role);
  }
  return out;
}

/** The status an application starts in (the `apply` row). */
export function appliedStatus(): ReturnStatus {
  const row = TRANSITIONS.find((r) => r.action === 'apply');
  return typeof row?.to === 'string' ? row.to : 'PENDING_REVIEW';
}

/** Does deciding (status, role, action, type) read the order's ledger? */
export function needsLedger(status: ReturnStatus | null, role: Role, action: ActionName, type: ReturnType): boolean {
  return !!findRow(status, role, action, type)?.ledgerGuard;
}

/** Roles that may perform `action` from some status (the table's rows; for the use cases' caller checks). */
export function rolesFor(action: ActionName): Role[] {
  const roles: Role[] = [];
  for (const r of TRANSITIONS) if (r.action === action) for (const role of r.roles) if (!roles.includes(role)) roles.push(role);
  return roles;
}

/** The row for (status, role, action, type), if any. */
export function findRow(status: ReturnStatus | null, role: Role, action: ActionName, type: ReturnType): TransitionRow | undefined {
  const from: FromStatus = status ?? NEW;
  return TRANSITIONS.find((r) => r.action === action && r.roles.includes(role) && fromList(r).includes(from) && (!r.types || r.types.includes(type)));
}
