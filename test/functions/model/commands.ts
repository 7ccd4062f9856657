/**
 * The commands of the model-based test: every buyer, staff and platform
 * action, as plain data (so fast-check can generate and shrink lists of them,
 * and a failing list prints as readable steps). Which after-sale a command
 * acts on is decided when it runs (`pick` among the after-sales in a status
 * where the action makes sense, or among all when `any`), so a shrunk list
 * still means something.
 */
import fc from 'fast-check';
import { BUYER_REASONS, REPLACEMENTS, SELLER_REASONS, type OrderKind, type Reason, type ReplacementKind } from './model';

export interface LinePick {
  /** index into the order's lines (modulo) */
  line: number;
  quantity: number;
  /** A line named directly (advance's modify variants, from the after-sale's current lines). */
  lineId?: string;
}

export type Command =
  | { kind: 'apply'; order: number; type: 'REFUND_ONLY' | 'RETURN_REFUND' | 'EXCHANGE' | 'AUTO'; reason: Reason; lines: LinePick[]; replacement?: ReplacementKind }
  | { kind: 'reapply'; pick: number; reason: Reason }
  | { kind: 'modify'; pick: number; any: boolean; lines?: LinePick[]; reason?: Reason }
  | { kind: 'cancel' | 'approve' | 'reject' | 'refuse' | 'appeal' | 'retry' | 'offline' | 'reship' | 'convert' | 'confirmExchange'; pick: number; any: boolean }
  /** The shop sells out: every replacement SKU of the sequence's orders other than the lines' own gets stock 0. */
  | { kind: 'stockOut' }
  /** An invocation that dies between its refund settlement's ledger claim (with its planned record stored) and its commit. */
  | { kind: 'crashSettlement'; pick: number }
  | { kind: 'ship'; pick: number; any: boolean; postage?: number }
  | { kind: 'pickup'; pick: number; any: boolean }
  | { kind: 'confirm'; pick: number; any: boolean; lower: boolean }
  | { kind: 'decide'; pick: number; any: boolean; decision: 'BUYER' | 'MERCHANT' }
  | { kind: 'payFault'; code: 'SYSTEMERROR' | 'NOTENOUGH' | 'FREQUENCY_LIMITED' | 'BIZERR_NEED_RETRY' | 'COMM_FAIL' }
  | { kind: 'payNotify'; status: 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE' | 'NONE'; duplicates: number }
  | { kind: 'flush' }
  | { kind: 'time'; hours: number; sweep: boolean }
  | { kind: 'sweep' }
  | { kind: 'repeat' }
  /** The next natural action of an open after-sale (the variant picks among those of its status): keeps walks going deep. */
  | { kind: 'advance'; pick: number; variant: number };

export interface Sequence {
  orders: OrderKind[];
  commands: Command[];
}

const pick = fc.nat({ max: 1000 });
const any = fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const reason: fc.Arbitrary<Reason> = fc.oneof(fc.constantFrom(...BUYER_REASONS), fc.constantFrom(...SELLER_REASONS));
/** quantity 0 = every unit the line has (its bought quantity). */
const quantity = fc.oneof(
  { weight: 4, arbitrary: fc.constant(1) },
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(2) },
  { weight: 1, arbitrary: fc.constant(3) },
);
const linePick: fc.Arbitrary<LinePick> = fc.record({ line: fc.nat({ max: 2 }), quantity });
const linePicks: fc.Arbitrary<LinePick[]> = fc.oneof(
  {
    weight: 3,
    arbitrary: linePick.map(
      (l): LinePick[] => [l],
      // biome-ignore lint/plugin/no-as-any: fast-check's map needs the shrinker's own element type here
      (v) => (v as LinePick[])[0] as any,
    ),
  },
  { weight: 1, arbitrary: fc.uniqueArray(linePick, { minLength: 1, maxLength: 3, selector: (l) => l.line }) },
);
const simple = (kind: 'cancel' | 'approve' | 'reject' | 'refuse' | 'appeal' | 'retry' | 'offline' | 'reship' | 'convert' | 'confirmExchange') =>
  fc.record({ kind: fc.constant(kind), pick, any });

/** AUTO: RETURN_REFUND for a shipped order, REFUND_ONLY for an unshipped one (what a buyer's page offers). */
const type = fc.oneof(
  { weight: 3, arbitrary: fc.constant('AUTO' as const) },
  { weight: 1, arbitrary: fc.constant('REFUND_ONLY' as const) },
  { weight: 1, arbitrary: fc.constant('RETURN_REFUND' as const) },
  { weight: 3, arbitrary: fc.constant('EXCHANGE' as const) },
);
/** Mostly a valid replacement; sometimes one at another price (refused). */
const replacement = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...REPLACEMENTS.slice(0, 2)) }, { weight: 1, arbitrary: fc.constant(REPLACEMENTS[2]) });
const applyArb = fc.record(
  { kind: fc.constant('apply' as const), order: fc.nat({ max: 2 }), type, reason, lines: linePicks, replacement },
  { requiredKeys: ['kind', 'order', 'type', 'reason', 'lines'] },
);

/** Weighted so that sequences go deep (shipping, corrections, disputes, refunds), not only refusals. */
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 9, arbitrary: applyArb },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reapply' as const), pick, reason }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('modify' as const), pick, any, lines: linePicks, reason }, { requiredKeys: ['kind', 'pick', 'any'] }),
  },
  { weight: 1, arbitrary: simple('cancel') },
  { weight: 8, arbitrary: simple('approve') },
  { weight: 2, arbitrary: simple('reject') },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('ship' as const), pick, any, postage: fc.constantFrom(500, 1500, 3000) }, { requiredKeys: ['kind', 'pick', 'any'] }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pickup' as const), pick, any }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('confirm' as const),
      pick,
      any,
      lower: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  { weight: 1, arbitrary: simple('refuse') },
  { weight: 2, arbitrary: simple('appeal') },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('decide' as const), pick, any, decision: fc.constantFrom('BUYER' as const, 'MERCHANT' as const) }) },
  { weight: 2, arbitrary: simple('reship') },
  { weight: 1, arbitrary: simple('convert') },
  { weight: 1, arbitrary: simple('confirmExchange') },
  { weight: 1, arbitrary: fc.constant({ kind: 'stockOut' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crashSettlement' as const), pick }) },
  { weight: 1, arbitrary: simple('retry') },
  { weight: 1, arbitrary: simple('offline') },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('payFault' as const),
      code: fc.constantFrom('SYSTEMERROR' as const, 'NOTENOUGH' as const, 'FREQUENCY_LIMITED' as const, 'BIZERR_NEED_RETRY' as const, 'COMM_FAIL' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('payNotify' as const),
      status: fc.constantFrom('SUCCESS' as const, 'CHANGE' as const, 'REFUNDCLOSE' as const, 'NONE' as const),
      duplicates: fc.constantFrom(0, 1, 2),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'flush' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('time' as const),
      hours: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(1, 25, 49) },
        { weight: 1, arbitrary: fc.constantFrom(8 * 24, 11 * 24) },
        { weight: 2, arbitrary: fc.constantFrom(7 * 24 + 1, 10 * 24 + 1) },
      ),
      // without the sweep: the deadline has passed but its default outcome is not applied yet (the waited-on party acts late)
      sweep: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'repeat' as const }) },
  { weight: 24, arbitrary: fc.record({ kind: fc.constant('advance' as const), pick, variant: fc.nat({ max: 1000 }) }) },
);

const ORDER_KINDS: OrderKind[] = ['SHIPPED', 'UNSHIPPED', 'PRESALE'];

const advanceArb = fc.record({ kind: fc.constant('advance' as const), pick, variant: fc.nat({ max: 1000 }) });

/**
 * A quarter of the sequences walk exchanges (换货) deep: shipped orders, the
 * first applies are exchanges, and the walk advances twice as often — so
 * reships, conversions, sell-outs and confirmations are reached, not only applies.
 */
const exchangeApplyArb = applyArb.map(
  (a): Command => ({ ...a, type: 'EXCHANGE' }),
  (v) => v as never,
);
const focusedCommandArb: fc.Arbitrary<Command> = fc.oneof({ weight: 1, arbitrary: commandArb }, { weight: 1, arbitrary: advanceArb });

/** Orders drawn per sequence (at least one, each kind at most once) and 8–25 commands (exchange walks: up to 35). */
export function sequenceArb(opts: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<Sequence> {
  const rest = (arb: fc.Arbitrary<Command>, longer = 0) => fc.array(arb, { minLength: (opts.minLength ?? 8) - 1, maxLength: (opts.maxLength ?? 25) - 3 + longer });
  const joined = ([first, tail]: [Command[], Command[]]): Command[] => [...first, ...tail];
  const notBuilt = (): [Command[], Command[]] => {
    throw new Error('not built from a list');
  };
  const general = fc.record({
    orders: fc.oneof({ weight: 3, arbitrary: fc.subarray(ORDER_KINDS, { minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.subarray(ORDER_KINDS, { minLength: 2 }) }),
    // Every sequence starts with one to three applies (so the walk has after-sales, often several on one order, to act
    // on); the rest is drawn freely.
    commands: fc.tuple(fc.array(applyArb as fc.Arbitrary<Command>, { minLength: 1, maxLength: 3 }), rest(commandArb)).map(joined, notBuilt),
  });
  const exchanges = fc.record({
    orders: fc.subarray(['SHIPPED', 'PRESALE'] as OrderKind[], { minLength: 1 }),
    // 10 commands longer: an exchange has the longest path (apply → … → reship → confirm).
    commands: fc.tuple(fc.array(exchangeApplyArb, { minLength: 1, maxLength: 2 }), rest(focusedCommandArb, 10)).map(joined, notBuilt),
  });
  return fc.oneof({ weight: 3, arbitrary: general }, { weight: 1, arbitrary: exchanges });
}

const lp = (lines: LinePick[] | undefined) => (lines ?? []).map((l) => `${l.lineId ?? `line${l.line}`}×${l.quantity || 'all'}`).join('+');

/** One readable line per command. */
export function formatCommand(c: Command): string {
  const target = 'pick' in c ? ` #${c.pick}${'any' in c && c.any ? ' (any status)' : ''}` : '';
  switch (c.kind) {
    case 'apply':
      return `apply order${c.order} ${c.type} ${c.reason} ${lp(c.lines)}${c.type === 'EXCHANGE' ? ` → ${c.replacement ?? 'SAME'} SKU` : ''}`;
    case 'stockOut':
      return 'the shop sells out of every other SKU';
    case 'reapply':
      return `re-apply over rejected${target} ${c.reason}`;
    case 'modify':
      return `modify${target}${c.lines ? ` lines ${lp(c.lines)}` : ''}${c.reason ? ` reason ${c.reason}` : ''}${!c.lines && !c.reason ? ' (unchanged)' : ''}`;
    case 'ship':
      return `submitLogistics SELF_SHIP${target}${c.postage ? ` postage ${c.postage}` : ''}`;
    case 'pickup':
      return `submitLogistics PICKUP${target}`;
    case 'confirm':
      return `confirmReceipt${target}${c.lower ? ' lowered' : ''}`;
    case 'decide':
      return `decide ${c.decision}${target}`;
    case 'payFault':
      return `pay: next refund call answers ${c.code}`;
    case 'payNotify':
      return `pay: next refund ends ${c.status}${c.duplicates ? ` (+${c.duplicates} duplicate notifications)` : ''}`;
    case 'flush':
      return 'pay: deliver pending notifications';
    case 'time':
      return `clock +${c.hours}h${c.sweep ? ', then the sweep' : ' (no sweep yet)'}`;
    case 'sweep':
      return 'sweepTimeouts (timer)';
    case 'repeat':
      return 'send the previous call again (same requestId)';
    case 'advance':
      return `advance #${c.pick} (variant ${c.variant})`;
    default:
      return `${c.kind}${target}`;
  }
}

export function formatSequence(s: Sequence): string {
  return [`orders: ${s.orders.join(', ')}`, ...s.commands.map((c, i) => `  ${String(i + 1).padStart(2)}. ${formatCommand(c)}`)].join('\n');
}
