/**
 * Runs command sequences (./commands.ts) against the real built functions in
 * the local emulator, checks every invariant (./invariants.ts) after every
 * command, and drives fast-check's shrinking when one breaks. Shared by the
 * jest tests (test/functions/model-*.test.ts) and `npm run fuzz:model`
 * (scripts/fuzz-model.ts): one implementation.
 *
 * Everything goes through the emulator's HTTP routes (functions, /_local/db,
 * /_local/outbox, /_local/pay, /_local/clock, /_local/triggers); the only
 * in-process uses are waiting for background work to finish (timers, pay
 * notifications) and removing a finished sequence's documents, so that the
 * next sequence reads small collections.
 */
import fc from 'fast-check';
import { jpeg, pickupTomorrow, type Harness } from '../../support/emulator';
import { deadSettlementDocs } from '../../support/crash';
import { DEMO } from '../../../scripts/emulator/demo';
import { formatCommand, sequenceArb, type Command, type LinePick, type Sequence } from './commands';
import { orderFor, newModel, needsPhoto, replacementSku, skusFor, TERMINAL, type Model, type ModelOrder } from './model';
import { actedOn, checkStep, learnFromAnswer, syncModel, targetOf, type CallRecord, type DbState, type Observation, type Violation } from './invariants';

const HOUR = 3_600_000;
const NO_SUCH_RETURN = 'R20200101000000000000';

/** Where each action makes sense (the target is picked among these, unless the command says any status). */
const POOL: Record<string, string[]> = {
  modify: ['PENDING_REVIEW', 'REJECTED'],
  cancel: ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'REJECTED', 'IN_TRANSIT'],
  approve: ['PENDING_REVIEW'],
  reject: ['PENDING_REVIEW'],
  ship: ['AWAITING_SHIPMENT', 'IN_TRANSIT'],
  pickup: ['AWAITING_SHIPMENT', 'IN_TRANSIT'],
  confirm: ['IN_TRANSIT'],
  refuse: ['IN_TRANSIT'],
  appeal: ['REJECTED'],
  decide: ['DISPUTED'],
  retry: ['REFUND_FAILED'],
  offline: ['REFUND_FAILED'],
  reapply: ['REJECTED'],
  reship: ['AWAITING_RESHIP'],
  convert: ['AWAITING_RESHIP'],
  confirmExchange: ['RESHIPPED'],
  // where a settlement claim is made: approve (refund only), confirm, decide, accept, convert
  crashSettlement: ['PENDING_REVIEW', 'IN_TRANSIT', 'DISPUTED', 'NEGOTIATING', 'AWAITING_RESHIP'],
};

let uniq = 0;
const TAG = Date.now().toString(36);
const fresh = (p: string) => `${p}${TAG}${(++uniq).toString(36)}`;
/** A fresh SF waybill number (13 digits after SF). */
const waybill = () => `SF${String(1_000_000_000_000 + (uniq++ % 8_999_999_999_999))}`;

export interface StepRecord {
  command: string;
  target?: string;
  outcome: string;
}

export interface SequenceResult {
  violations: Violation[];
  /** Index of the command after which the first violation showed (-1: none). */
  failedAt: number;
  steps: StepRecord[];
}

/** Waits for background work (timer firings, notification deliveries) to finish. */
async function quiet(h: Harness): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await h.emu.timers.idle();
    await h.emu.pay.idle();
  }
}

async function photo(h: Harness, openid: string): Promise<string> {
  return h.upload(`evidence/${openid}/${fresh('img')}.jpg`, jpeg(), 'image/jpeg');
}

async function readDb(h: Harness, orderIds: string[]): Promise<DbState> {
  const ids = new Set(orderIds);
  const ofOrders = (d: Record<string, any>) => ids.has(String(d.orderId));
  const [mine, orders, refunds, ledgers, outbox] = await Promise.all([
    h.db('returns', ofOrders),
    h.db('orders', (o) => ids.has(String(o._id))),
    h.db('refunds', ofOrders),
    h.db('ledgers', (l) => ids.has(String(l._id)) || ids.has(String(l.orderId))),
    h.outbox(),
  ]);
  mine.sort((a: any, b: any) => String(a.createdAt).localeCompare(String(b.createdAt)) || String(a._id).localeCompare(String(b._id)));
  const bookings: Record<string, number> = {};
  for (const rec of outbox) {
    if (rec.api !== 'logistics.addOrder') continue;
    const bookingId = String(rec.data?.order_id ?? '');
    const ret = mine.find((r: any) => bookingId.startsWith(String(r._id)));
    if (ret) bookings[ret._id] = (bookings[ret._id] ?? 0) + 1;
  }
  return {
    returns: mine,
    orders,
    refunds,
    ledgers,
    bookings,
  };
}

/** Removes a finished sequence's documents and the emulator's queues, so sequences never meet. */
async function cleanUp(h: Harness, orderIds: string[]): Promise<void> {
  await quiet(h);
  const store = h.emu.store;
  const $in = { $in: orderIds };
  for (const c of ['returns', 'refunds']) if (store.hasCollection(c)) store.remove(c, { orderId: $in }, { multi: true });
  for (const c of ['orders', 'ledgers']) if (store.hasCollection(c)) store.remove(c, { _id: $in }, { multi: true });
  if (store.hasCollection('skus')) store.remove('skus', { productId: { $in: orderIds.flatMap((id) => ['L1', 'L2', 'SKU.9'].map((l) => `P-${id}-${l}`)) } }, { multi: true });
  for (const c of ['notifications', 'locks']) if (store.hasCollection(c)) store.remove(c, {}, { multi: true });
  await h.pay({ reset: true });
  await fetch(`${h.url}/_local/outbox/clear`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
}

/** The lines a call actually sent (picks resolved to the order's lineIds), for readable counterexamples. */
const sentLines = (call: CallRecord | undefined): string =>
  call && Array.isArray(call.event.lines) ? ` {${call.event.lines.map((l: any) => `${l.lineId}×${l.quantity}`).join(', ')}}` : '';

const answerText = (a: { status: number; body: any } | undefined): string => {
  if (!a) return '';
  if (a.status !== 200) return `HTTP ${a.status}`;
  if (!a.body || typeof a.body.ok !== 'boolean') return 'not an envelope';
  if (a.body.ok) {
    const r = a.body.data?.return;
    return r ? `ok → ${r.returnId ?? r._id} ${r.status}` : 'ok';
  }
  const refusal = a.body.error?.details?.refusal ?? a.body.error?.details?.refusals?.map((x: any) => x.code).join('/');
  return `${a.body.error?.code}${refusal ? ` (${refusal})` : ''}`;
};

/** Runs one sequence on fresh orders; stops at the first command after which an invariant breaks. */
export async function runSequence(h: Harness, seq: Sequence, ignore: readonly string[] = []): Promise<SequenceResult> {
  const now = await h.now();
  const built = seq.orders.map((kind) => orderFor(kind, fresh(`M${kind[0]}`), now, DEMO.buyer));
  const orders: ModelOrder[] = built.map((b) => b.model);
  const orderIds = orders.map((o) => o.orderId);
  const skus = built.flatMap((b) => skusFor(b.doc));
  await h.seed({ orders: built.map((b) => b.doc), skus });
  // Refund notifications come only when a command delivers them (flush) or moves the clock past them, never between a
  // command and its checks (the sandbox's own ticker runs on the emulator clock, which also moves with real time).
  await h.pay({ config: { notifyDelayMs: 10 * 60_000 } });
  const model: Model = { ...newModel(orders), skus };
  const steps: StepRecord[] = [];
  let state = await readDb(h, orderIds);
  let last: { call: CallRecord; answer: { status: number; body: any } } | undefined;
  try {
    for (let i = 0; i < seq.commands.length; i++) {
      const cmd = seq.commands[i];
      const before = state;
      const exec = await execute(h, cmd, { model, orders, state: before, last });
      await quiet(h);
      const after = await readDb(h, orderIds);
      const { resolved: _resolved, crashed, ...made } = exec;
      const obs: Observation = { label: `${i + 1}. ${formatCommand(cmd)}`, before, after, ...made };
      learnFromAnswer(model, obs);
      const violations = checkStep(model, obs).filter((x) => !ignore.includes(x.rule) && !ignore.includes('*'));
      syncModel(model, after);
      const skipped = cmd.kind === 'advance' ? !exec.resolved : !exec.call && (cmd.kind === 'repeat' || 'pick' in cmd);
      steps.push({
        command: formatCommand(cmd) + (exec.resolved ? ` ⇒ ${formatCommand(exec.resolved).replace(/ #0\b/, '')}` : '') + sentLines(exec.call),
        target: exec.call ? actedOn(exec) : undefined,
        outcome: exec.answer
          ? answerText(exec.answer)
          : crashed
            ? `its settlement died after the claim, before the commit [${crashed}]`
            : skipped
              ? '(skipped: no after-sale in a fitting status)'
              : '',
      });
      if (exec.call && exec.answer && cmd.kind !== 'repeat') last = { call: exec.call, answer: exec.answer };
      state = after;
      if (violations.length) return { violations, failedAt: i, steps };
    }
    return { violations: [], failedAt: -1, steps };
  } finally {
    await cleanUp(h, orderIds);
  }
}

interface ExecContext {
  model: Model;
  orders: ModelOrder[];
  state: DbState;
  last?: { call: CallRecord; answer: { status: number; body: any } };
}

type Exec = Pick<Observation, 'call' | 'answer' | 'repeatOf' | 'statusBefore'> & {
  /** crashSettlement: the after-sale whose settlement died before its commit. */
  crashed?: string;
};

function mapLines(order: ModelOrder | undefined, picks: LinePick[]): { lineId: string; quantity: number }[] {
  if (!order) return picks.map((p) => ({ lineId: p.lineId ?? `L${p.line + 1}`, quantity: p.quantity || 1 }));
  const out: { lineId: string; quantity: number }[] = [];
  for (const p of picks) {
    const line = p.lineId ? order.lines.find((l) => l.lineId === p.lineId) : order.lines[Math.abs(p.line) % order.lines.length];
    const lineId = p.lineId ?? line!.lineId;
    if (!out.some((l) => l.lineId === lineId)) out.push({ lineId, quantity: p.quantity || line?.quantity || 1 });
  }
  return out;
}

/** The natural next actions per status (what `advance` chooses among). */
function nextActions(ret: any, variant: number, order: ModelOrder | undefined, siblings: any[]): Command {
  const base = { pick: 0, any: false };
  const lines: { lineId: string; quantity: number }[] = (ret.lines ?? []).map((l: any) => ({ lineId: l.lineId, quantity: l.quantity }));
  const k = Math.floor(variant / 16);
  const free = (order?.lines ?? []).map((l) => l.lineId).filter((id) => !lines.some((l) => l.lineId === id));
  // Half the time, a line another after-sale of the order holds (a rejected one's above all): the interesting case.
  const held = free.filter((id) => siblings.some((r) => r._id !== ret._id && !['CANCELLED', 'CLOSED'].includes(r.status) && (r.lines ?? []).some((l: any) => l.lineId === id)));
  const heldRejected = held.filter((id) => siblings.some((r) => r._id !== ret._id && r.status === 'REJECTED' && (r.lines ?? []).some((l: any) => l.lineId === id)));
  const others = k % 2 === 0 && heldRejected.length ? heldRejected : k % 2 === 0 && held.length ? held : free;
  const modifyVariants: Command[] = [
    // add a line (one of the order's lines it does not have yet, 1 unit)
    {
      kind: 'modify',
      ...base,
      lines: [...lines.map((l) => ({ line: -1, quantity: l.quantity, lineId: l.lineId })), { line: k % 3, quantity: 1, lineId: others[k % Math.max(1, others.length)] }],
    } as Command,
    // remove a line, or change the quantity of the only one
    lines.length > 1
      ? ({ kind: 'modify', ...base, lines: lines.slice(1).map((l) => ({ line: -1, quantity: l.quantity, lineId: l.lineId })) } as Command)
      : ({ kind: 'modify', ...base, lines: [{ line: -1, quantity: lines[0]?.quantity === 1 ? 2 : 1, lineId: lines[0]?.lineId }] } as Command),
    // change the reason only
    { kind: 'modify', ...base, reason: k % 2 ? 'QUALITY_ISSUE' : 'WRONG_ORDER' },
  ];
  const byStatus: Record<string, Command[]> = {
    PENDING_REVIEW: [
      { kind: 'approve', ...base },
      { kind: 'approve', ...base },
      { kind: 'reject', ...base },
      { kind: 'reject', ...base },
      { kind: 'cancel', ...base },
      modifyVariants[0],
      ...modifyVariants,
    ],
    AWAITING_SHIPMENT: [
      { kind: 'ship', ...base },
      { kind: 'ship', ...base },
      { kind: 'ship', ...base, postage: 1500 },
      { kind: 'pickup', ...base },
      { kind: 'cancel', ...base },
    ],
    // corrections are as likely as the merchant's answer, so that runs of them (and the limit of 3) are walked
    IN_TRANSIT: [
      { kind: 'confirm', ...base, lower: false },
      { kind: 'confirm', ...base, lower: true },
      { kind: 'refuse', ...base },
      { kind: 'ship', ...base, postage: 3000 },
      { kind: 'ship', ...base },
      { kind: 'ship', ...base, postage: 1500 },
      { kind: 'pickup', ...base },
      { kind: 'pickup', ...base },
      { kind: 'cancel', ...base },
    ],
    REJECTED: [
      { kind: 'appeal', ...base },
      { kind: 'appeal', ...base },
      { kind: 'modify', ...base },
      { kind: 'reapply', pick: 0, reason: k % 2 ? 'DAMAGED' : 'NO_LONGER_WANTED' },
      { kind: 'cancel', ...base },
      modifyVariants[0],
      ...modifyVariants,
    ],
    DISPUTED: [
      { kind: 'decide', ...base, decision: 'BUYER' },
      { kind: 'decide', ...base, decision: 'BUYER' },
      { kind: 'decide', ...base, decision: 'MERCHANT' },
    ],
    REFUNDING: [{ kind: 'flush' }, { kind: 'sweep' }, { kind: 'payFault', code: 'NOTENOUGH' }],
    REFUND_FAILED: [
      { kind: 'retry', ...base },
      { kind: 'offline', ...base },
    ],
    AWAITING_RESHIP: [{ kind: 'reship', ...base }, { kind: 'reship', ...base }, { kind: 'convert', ...base }, { kind: 'stockOut' }],
    RESHIPPED: [
      { kind: 'confirmExchange', ...base },
      { kind: 'confirmExchange', ...base },
      { kind: 'time', hours: 10 * 24 + 1, sweep: true },
    ],
  };
  // An exchange's goods back: receipt as likely as everything else together (the replacement's path is the long one).
  if (ret.type === 'EXCHANGE' && ret.status === 'IN_TRANSIT' && k % 2 === 0) return { kind: 'confirm', ...base, lower: false };
  const list = byStatus[ret.status] ?? [{ kind: 'flush' }];
  return list[variant % list.length];
}

async function execute(h: Harness, cmd: Command, ctx: ExecContext, forced?: any): Promise<Exec & { resolved?: Command }> {
  const rets = ctx.state.returns;
  if (cmd.kind === 'advance') {
    const open = rets.filter((r) => !(TERMINAL as readonly string[]).includes(r.status));
    if (!open.length) return {};
    const t = open[cmd.pick % open.length];
    const resolved = nextActions(
      t,
      cmd.variant,
      ctx.orders.find((o) => o.orderId === String(t.orderId)),
      rets.filter((r) => r.orderId === t.orderId),
    );
    return { ...(await execute(h, resolved, ctx, t)), resolved };
  }
  const target =
    forced ??
    (() => {
      if (!('pick' in cmd)) return undefined;
      const wanted = POOL[cmd.kind] ?? [];
      const inPool = rets.filter((r) => wanted.includes(r.status));
      // No after-sale where the action makes sense: the command is skipped (refusals are drawn with `any`).
      const pool = 'any' in cmd && cmd.any ? rets : inPool;
      return pool.length ? pool[cmd.pick % pool.length] : undefined;
    })();
  if ('pick' in cmd && !target && !('any' in cmd && cmd.any)) return {};
  const returnId: string = target?._id ?? NO_SUCH_RETURN;
  const orderOf = (orderId: string) => ctx.orders.find((o) => o.orderId === orderId);
  const call = async (fn: string, event: Record<string, any>, openid: string, source?: string): Promise<Exec> => {
    const rec: CallRecord = { fn, event, openid, source };
    const answer = await h.callRaw(fn, event, { openid, source });
    return { call: rec, answer, statusBefore: target?.status };
  };
  const requestId = fresh('mr-');
  switch (cmd.kind) {
    case 'crashSettlement': {
      // What an invocation that died after its settlement claim and its record's insert, before its commit, leaves:
      // the ledger entry one version ahead (REFUNDING, planned, claimed now, its own claim id) and the record,
      // CREATED and named by no after-sale. Nothing else moves: no answer to check.
      if (!target) return {};
      const order = orderOf(String(target.orderId));
      const ledger = (await h.db('ledgers')).find((l: any) => l._id === target.orderId);
      if (!order || !ledger) return {};
      const payment = order.payments[0];
      const lines = (target.lines ?? []).map((l: any) => ({ lineId: l.lineId, quantity: l.quantity, amount: l.amount }));
      const amount = Math.max(
        1,
        Math.min(
          payment.amount,
          lines.reduce((s: number, l: any) => s + l.amount, 0),
        ),
      );
      const seq = ctx.state.refunds.filter((r) => r.returnId === target._id).reduce((m, r) => Math.max(m, Number(String(r._id).split('-').pop()) || 0), 0) + 1;
      const outRefundNo = `${target._id}-${seq}`;
      await h.seed(
        deadSettlementDocs({
          ledger,
          returnId: target._id,
          orderId: target.orderId,
          version: target.version,
          lines,
          payment,
          amount,
          outRefundNo,
          now: await h.now(),
          claimId: fresh('crash-'),
        }),
      );
      return { crashed: target._id };
    }
    case 'apply': {
      const order = ctx.orders[cmd.order % ctx.orders.length];
      const evidence = needsPhoto(cmd.reason) ? [await photo(h, DEMO.buyer)] : undefined;
      const type = cmd.type === 'AUTO' ? (order.shipped ? 'RETURN_REFUND' : 'REFUND_ONLY') : cmd.type;
      const lines = mapLines(order, cmd.lines);
      const replacements = type === 'EXCHANGE' ? lines.map((l) => ({ lineId: l.lineId, skuId: replacementSku(order.orderId, l.lineId, cmd.replacement ?? 'SAME') })) : undefined;
      return call(
        'applyReturn',
        { action: 'apply', requestId, orderId: order.orderId, type, reason: cmd.reason, lines, ...(replacements ? { replacements } : {}), ...(evidence ? { evidence } : {}) },
        DEMO.buyer,
      );
    }
    case 'reapply': {
      if (!target) return {};
      const evidence = needsPhoto(cmd.reason) ? [await photo(h, DEMO.buyer)] : undefined;
      const lines = (target.lines ?? []).map((l: any) => ({ lineId: l.lineId, quantity: l.quantity }));
      const replacements = target.type === 'EXCHANGE' ? (target.exchange?.replacements ?? []).map((r: any) => ({ lineId: r.lineId, skuId: r.skuId })) : undefined;
      return call(
        'applyReturn',
        {
          action: 'apply',
          requestId,
          orderId: target.orderId,
          type: target.type,
          reason: cmd.reason,
          lines,
          ...(replacements ? { replacements } : {}),
          ...(evidence ? { evidence } : {}),
        },
        DEMO.buyer,
      );
    }
    case 'modify': {
      const order = target ? orderOf(String(target.orderId)) : undefined;
      const reasonNeedsPhoto = cmd.reason ? needsPhoto(cmd.reason) : false;
      const evidence = reasonNeedsPhoto ? [await photo(h, DEMO.buyer)] : undefined;
      const lines = cmd.lines ? mapLines(order, cmd.lines) : undefined;
      // An exchange's new lines are swapped for their own SKU (the lines that stay keep their replacement).
      const replacements =
        lines && target?.type === 'EXCHANGE' && order ? lines.map((l) => ({ lineId: l.lineId, skuId: replacementSku(order.orderId, l.lineId, 'SAME') })) : undefined;
      return call(
        'applyReturn',
        {
          action: 'modify',
          requestId,
          returnId,
          ...(lines ? { lines } : {}),
          ...(replacements ? { replacements } : {}),
          ...(cmd.reason ? { reason: cmd.reason } : {}),
          ...(evidence ? { evidence } : {}),
        },
        DEMO.buyer,
      );
    }
    case 'cancel':
      return call('applyReturn', { action: 'cancel', requestId, returnId }, DEMO.buyer);
    case 'appeal':
      return call('applyReturn', { action: 'appeal', requestId, returnId, description: '不同意商家的处理，请平台介入' }, DEMO.buyer);
    case 'approve':
      return call('reviewReturn', { action: 'approve', requestId, returnId }, DEMO.merchant);
    case 'reject':
      return call('reviewReturn', { action: 'reject', requestId, returnId, reason: '不符合退货条件' }, DEMO.merchant);
    case 'confirm': {
      const lower = cmd.lower && target ? Math.max(1, Math.floor(targetOf(target) / 2)) : undefined;
      return call('reviewReturn', { action: 'confirmReceipt', requestId, returnId, ...(lower ? { refundAmount: lower, reason: '商品有使用痕迹，部分退款' } : {}) }, DEMO.merchant);
    }
    case 'refuse':
      return call('reviewReturn', { action: 'refuseReceipt', requestId, returnId, reason: '验货不通过', evidence: [await photo(h, DEMO.merchant)] }, DEMO.merchant);
    case 'decide':
      return call('reviewReturn', { action: 'decide', requestId, returnId, decision: cmd.decision, ...(cmd.decision === 'MERCHANT' ? { reason: '证据不足' } : {}) }, DEMO.arbiter);
    case 'ship': {
      return call(
        'submitLogistics',
        { mode: 'SELF_SHIP', requestId, returnId, carrier: 'SF', trackingNo: waybill(), ...(cmd.postage ? { postage: cmd.postage } : {}) },
        DEMO.buyer,
      );
    }
    case 'pickup': {
      return call('submitLogistics', { mode: 'PICKUP', requestId, returnId, pickup: pickupTomorrow(await h.now()) }, DEMO.buyer);
    }
    case 'reship': {
      return call('reviewReturn', { action: 'reship', requestId, returnId, carrier: 'SF', trackingNo: waybill() }, DEMO.merchant);
    }
    case 'convert':
      return call('reviewReturn', { action: 'convertToRefund', requestId, returnId, reason: '换货商品缺货，转为退款' }, DEMO.merchant);
    case 'confirmExchange':
      return call('applyReturn', { action: 'confirmExchange', requestId, returnId }, DEMO.buyer);
    case 'stockOut': {
      const sold = (ctx.model.skus ?? []).filter((k) => String(k._id).endsWith('-ALT')).map((k) => ({ ...k, stock: 0 }));
      if (sold.length) await h.seed({ skus: sold });
      return {};
    }
    case 'retry':
      return call('executeRefund', { action: 'retry', requestId, returnId }, DEMO.merchant);
    case 'offline':
      return call('executeRefund', { action: 'markOffline', requestId, returnId, note: '已通过银行转账退回' }, DEMO.merchant);
    case 'payFault':
      await h.pay({ refund: [cmd.code === 'COMM_FAIL' ? { returnCode: 'FAIL', returnMsg: 'SYSTEMERROR' } : { errCode: cmd.code }] });
      return {};
    case 'payNotify':
      await h.pay({ callback: { status: cmd.status, duplicates: cmd.duplicates } });
      return {};
    case 'flush':
      await h.flush();
      return {};
    case 'time': {
      await h.advance(cmd.hours * HOUR);
      await quiet(h);
      if (!cmd.sweep) return {};
      const body = await h.trigger('sweepTimeouts');
      return { answer: { status: 200, body } };
    }
    case 'sweep': {
      const body = await h.trigger('sweepTimeouts');
      return { answer: { status: 200, body } };
    }
    case 'repeat': {
      const last = ctx.last;
      if (!last) return {};
      const answer = await h.callRaw(last.call.fn, last.call.event, { openid: last.call.openid, source: last.call.source });
      const id = last.call.event.returnId;
      const before = id ? rets.find((r) => r._id === id)?.status : undefined;
      return { call: last.call, answer, repeatOf: last.answer, statusBefore: before };
    }
  }
}

export interface Failure {
  /** The seed that reproduces it: `npm run fuzz:model -- --runs 1 --seed <seed>`. */
  seed: number;
  /** The rules broken, as found on the original sequence. */
  rules: string[];
  original: Sequence;
  /** The shrunk counterexample and what it broke. */
  shrunk: Sequence;
  report: string;
}

export interface ModelRunOptions {
  seed: number;
  runs: number;
  /** Time spent shrinking one counterexample (default 20 s). */
  shrinkMs?: number;
  /** Shrink every failing sequence (default: only the first of each broken rule; the others are reported unshrunk). */
  shrinkAll?: boolean;
  /** Stop at the first failing sequence (jest). */
  stopOnFirst?: boolean;
  minLength?: number;
  maxLength?: number;
  onProgress?: (done: number, failures: number) => void;
  /** Rules not checked (to look past a known violation while exploring; '*': none checked, to time the runs). */
  ignoreRules?: string[];
}

class ViolationError extends Error {
  constructor(readonly result: SequenceResult) {
    super(result.violations.map((v) => `${v.rule}: ${v.detail}`).join('\n'));
  }
}

export function describeResult(seq: Sequence, result: SequenceResult): string {
  const lines = [`orders: ${seq.orders.join(', ')}`];
  result.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s.command}${s.target ? ` [${s.target}]` : ''}${s.outcome ? ` → ${s.outcome}` : ''}`));
  if (result.violations.length) lines.push(`  violated after step ${result.failedAt + 1}:`);
  for (const v of result.violations) lines.push(`    ✗ ${v.rule}: ${v.detail}`);
  return lines.join('\n');
}

/**
 * Runs `runs` sequences, the i-th drawn from seed `seed + i` (so any one can be
 * replayed alone), each on fresh orders. A failing sequence is shrunk by
 * fast-check (within `shrinkMs`) to a shorter list that still breaks an invariant.
 */
export async function runModel(h: Harness, opts: ModelRunOptions): Promise<{ runs: number; failures: Failure[] }> {
  const failures: Failure[] = [];
  const shrunkRules = new Set<string>();
  // noBias: each sequence is the first (and only) run of its seed, which fast-check would bias towards small values.
  const arb = fc.noBias(sequenceArb({ minLength: opts.minLength, maxLength: opts.maxLength }));
  let done = 0;
  for (let i = 0; i < opts.runs; i++) {
    const seed = opts.seed + i;
    let firstFailure: { seq: Sequence; result: SequenceResult } | undefined;
    let failedAtMs = 0;
    let shrinkBudget = opts.shrinkMs ?? 20_000;
    const property = fc.asyncProperty(arb, async (seq) => {
      // Once the budget for shrinking is spent, every further candidate "passes": fast-check keeps the smallest failure found.
      if (firstFailure && Date.now() - failedAtMs > shrinkBudget) return true;
      const result = await runSequence(h, seq, opts.ignoreRules);
      if (process.env.MODEL_TRACE) console.log(`${describeResult(seq, result)}\n`);
      if (!result.violations.length) return true;
      // While shrinking, only a candidate that breaks one of the original rules counts: the counterexample stays about them.
      if (firstFailure && !result.violations.some((v) => firstFailure!.result.violations.some((o) => o.rule === v.rule))) return true;
      if (!firstFailure) {
        firstFailure = { seq, result };
        failedAtMs = Date.now();
        const rules = result.violations.map((v) => v.rule);
        if (!opts.shrinkAll && rules.every((r) => shrunkRules.has(r))) shrinkBudget = 0;
      }
      throw new ViolationError(result);
    });
    const out = await fc.check(property, { seed, numRuns: 1, endOnFailure: false });
    done += 1;
    if (out.failed && firstFailure) {
      const shrunk = (out.counterexample?.[0] as Sequence | undefined) ?? firstFailure.seq;
      const err = out.errorInstance;
      const shrunkResult = err instanceof ViolationError ? err.result : firstFailure.result;
      const rules = [...new Set(firstFailure.result.violations.map((v) => v.rule))];
      const wasShrunk = shrinkBudget > 0;
      rules.forEach((r) => shrunkRules.add(r));
      const report = [
        `seed ${seed}: ${[...new Set(shrunkResult.violations.map((v) => v.rule))].join('; ')}`,
        wasShrunk
          ? `shrunk counterexample (${shrunkResult.failedAt + 1} commands run; drawn: ${firstFailure.seq.commands.length}, shrunk list ${shrunk.commands.length}, of which those after the violation never ran):`
          : `counterexample (not shrunk again: the same rule${rules.length > 1 ? 's were' : ' was'} shrunk above):`,
        describeResult(shrunk, shrunkResult),
        `  replay: save this line as a file and run npm run fuzz:model -- --replay <file>`,
        `  ${JSON.stringify({ orders: shrunk.orders, commands: shrunk.commands.slice(0, shrunkResult.failedAt + 1) })}`,
      ].join('\n');
      failures.push({ seed, rules, original: firstFailure.seq, shrunk, report });
    } else if (out.failed) {
      failures.push({
        seed,
        rules: ['error'],
        original: out.counterexample?.[0] as Sequence,
        shrunk: out.counterexample?.[0] as Sequence,
        report: `seed ${seed}: the run itself failed: ${String(out.errorInstance)}`,
      });
    }
    opts.onProgress?.(done, failures.length);
    if (opts.stopOnFirst && failures.length) break;
  }
  return { runs: done, failures };
}
