import { ledgerFrom, summaryKey, summaryOf } from '../../../cloudfunctions/core/app/ledger';
/**
 * The invariants of the model-based test, checked after every command against
 * the real database (what `GET /_local/db/<collection>` and `/_local/outbox`
 * answer) and the model (./model.ts). Pure functions: the checker is itself
 * tested with corrupted states (test/functions/model-invariants.test.ts).
 *
 * They are written so that they hold for a correct product whatever its
 * internals: sums over the stored after-sales and refund records, and the few
 * outcomes the rules force (no cancel once goods were sent, terminal statuses
 * never change, at most 3 logistics corrections, …) — not exact predictions of
 * amounts or statuses.
 */
import { isSellerSide, MAX_CORRECTIONS, RECORD_RELEASED, REFUNDING_SET, RELEASED, TERMINAL, type Model, type ModelOrder, type ModelReturn } from './model';

export interface DbState {
  returns: any[];
  orders: any[];
  refunds: any[];
  ledgers: any[];
  /** logistics.addOrder calls per returnId (from /_local/outbox). */
  bookings: Record<string, number>;
}

export interface CallRecord {
  fn: string;
  event: Record<string, any>;
  openid?: string;
  source?: string;
}

export interface Observation {
  /** Human-readable command (for messages). */
  label: string;
  /** The function call made, if the command made one. */
  call?: CallRecord;
  /** Its HTTP answer. */
  answer?: { status: number; body: any };
  /** The command re-sent the previous call with the same requestId; the first answer. */
  repeatOf?: { status: number; body: any };
  /** The status of the acted-on after-sale before the call (from the database). */
  statusBefore?: string;
  before: DbState;
  after: DbState;
}

export interface Violation {
  rule: string;
  detail: string;
}

const has = (list: readonly string[], s: unknown): boolean => list.includes(String(s));
const byId = (docs: any[]) => [...docs].sort((a, b) => String(a._id).localeCompare(String(b._id)));
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
const normLines = (lines: any[] | undefined) =>
  canon((lines ?? []).map((l: any) => ({ lineId: String(l.lineId), quantity: Number(l.quantity) })).sort((a, b) => a.lineId.localeCompare(b.lineId)));

/** What the after-sale's refund is (the settled plan when there is one, else the amounts stored at apply). */
export function refundOf(ret: any): { shipping: number; postage: number; total: number; lineFen: Map<string, number> } {
  const plan = ret.refundPlan;
  const src = plan && typeof plan === 'object' ? plan : (ret.amounts ?? {});
  const lines: any[] = plan && Array.isArray(plan.lines) ? plan.lines : (ret.lines ?? []);
  const lineFen = new Map<string, number>();
  for (const l of lines) lineFen.set(String(l.lineId), (lineFen.get(String(l.lineId)) ?? 0) + (Number(l.amount) || 0));
  return { shipping: Number(src.shipping) || 0, postage: Number(src.postage) || 0, total: Number(src.total) || 0, lineFen };
}

/** The amount an after-sale must get back: what the merchant granted, else the settled plan, else the stored amounts. */
export function targetOf(ret: any): number {
  if (typeof ret.approvedAmount === 'number') return ret.approvedAmount;
  return refundOf(ret).total;
}

function unitsOf(ret: any, lineId: string): number {
  return (ret.lines ?? []).filter((l: any) => String(l.lineId) === lineId).reduce((s: number, l: any) => s + (Number(l.quantity) || 0), 0);
}

export function snapshotKey(s: DbState): string {
  return canon({ returns: byId(s.returns), orders: byId(s.orders), refunds: byId(s.refunds), ledgers: byId(s.ledgers), bookings: s.bookings });
}

function diffSummary(a: DbState, b: DbState): string {
  const out: string[] = [];
  for (const c of ['returns', 'orders', 'refunds', 'ledgers'] as const) {
    const A = new Map(a[c].map((d) => [String(d._id), canon(d)]));
    const B = new Map(b[c].map((d) => [String(d._id), canon(d)]));
    for (const [id, v] of B)
      if (!A.has(id)) out.push(`${c}/${id} created`);
      else if (A.get(id) !== v) out.push(`${c}/${id} changed`);
    for (const id of A.keys()) if (!B.has(id)) out.push(`${c}/${id} removed`);
  }
  if (canon(a.bookings) !== canon(b.bookings)) out.push(`courier bookings ${canon(a.bookings)} → ${canon(b.bookings)}`);
  return out.join(', ') || 'no difference';
}

/** The after-sale a call acted on (its returnId, or the one an apply answered). */
export function actedOn(obs: Pick<Observation, 'call' | 'answer'>): string | undefined {
  const id = obs.call?.event?.returnId ?? obs.answer?.body?.data?.return?.returnId ?? obs.answer?.body?.data?.return?._id;
  return id === undefined ? undefined : String(id);
}

const okReturn = (answer: Observation['answer']): any => (answer && answer.status === 200 && answer.body?.ok === true ? answer.body.data?.return : undefined);

/**
 * Updates the model from what a call answered (before the checks): lines as
 * answered, goods sent, pickups, corrections. A repeat changes nothing in the model.
 */
export function learnFromAnswer(model: Model, obs: Observation): void {
  const ret = okReturn(obs.answer);
  // A repeat of an accepted call changes nothing; a repeat of a refused one is evaluated afresh (it may be accepted now).
  if (!ret || okReturn(obs.repeatOf)) return;
  const id = String(ret.returnId ?? ret._id);
  let m = model.returns.get(id);
  if (!m) {
    m = { returnId: id, orderId: String(ret.orderId), lines: [], status: String(ret.status), goodsSent: false, hadPickup: false, corrections: 0, pickups: 0 };
    model.returns.set(id, m);
  }
  if (Array.isArray(ret.lines)) m.lines = ret.lines.map((l: any) => ({ lineId: String(l.lineId), quantity: Number(l.quantity) }));
  m.status = String(ret.status);
  if (obs.call?.fn === 'submitLogistics') {
    if (obs.statusBefore === 'IN_TRANSIT') m.corrections += 1;
    if (!m.goodsSent) m.sentLines = m.lines.map((l) => ({ ...l }));
    m.goodsSent = true;
    if (obs.call.event.mode === 'PICKUP') {
      m.hadPickup = true;
      m.pickups += 1;
    }
  }
}

/** Every invariant, after one command. `model` already learned from the answer (learnFromAnswer). */
const ms = (d: any): number => (typeof d === 'string' ? Date.parse(d) : d instanceof Date ? d.getTime() : d && typeof d.$date === 'string' ? Date.parse(d.$date) : Number.NaN);

/**
 * After a timer pass: the outbox of every after-sale committed before the pass
 * began is drained, and the summary of every order whose after-sales are all
 * drained shows, per line, the after-sale and status the stored after-sales make.
 */
export function checkOutbox(after: DbState, pass: { at: string }): Violation[] {
  const v: Violation[] = [];
  const at = Date.parse(pass.at);
  for (const r of after.returns) {
    if (r.outboxPending && ms(r.updatedAt) < at) v.push({ rule: 'a timer pass drains the outbox', detail: `${r._id} (${r.status}) still pending after the pass of ${pass.at}` });
  }
  for (const doc of after.orders) {
    const returns = after.returns.filter((r) => r.orderId === doc._id);
    if (!returns.length || returns.some((r) => r.outboxPending)) continue;
    const want = summaryOf(ledgerFrom({ _id: doc._id, lines: doc.lines }, returns));
    const got = doc.afterSale ?? {};
    for (const [key, s] of Object.entries(want)) {
      if (got[key]?.returnId !== s.returnId || got[key]?.status !== s.status)
        v.push({
          rule: 'the order summary follows its after-sales',
          detail: `${doc._id}.afterSale[${key}] = ${JSON.stringify(got[key] ?? null)}, stored after-sales make ${s.returnId} ${s.status}`,
        });
    }
  }
  return v;
}

export function checkStep(model: Model, obs: Observation): Violation[] {
  const v: Violation[] = [];
  const add = (rule: string, detail: string) => v.push({ rule, detail });
  const { after } = obs;
  const pass = obs.answer?.body?.ok && obs.answer.body.data?.outbox ? obs.answer.body.data : undefined;
  if (pass) v.push(...checkOutbox(after, pass));

  // ---- answers: an envelope, never INTERNAL; a refusal writes nothing and books nothing
  if (obs.answer) {
    const { status, body } = obs.answer;
    if (status !== 200) add('envelope', `HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`);
    else if (!body || typeof body.ok !== 'boolean') add('envelope', `not an envelope: ${JSON.stringify(body).slice(0, 300)}`);
    else if (!body.ok) {
      if (!body.error || typeof body.error.code !== 'string' || typeof body.error.message !== 'string')
        add('envelope', `refusal without code/message: ${JSON.stringify(body).slice(0, 300)}`);
      else if (body.error.code === 'INTERNAL') add('no INTERNAL', `${body.error.message} ${JSON.stringify(body.error.details ?? {}).slice(0, 300)}`);
      if (snapshotKey(obs.before) !== snapshotKey(after)) add('a refusal writes nothing', `${body.error?.code}: ${diffSummary(obs.before, after)}`);
    }
    if (obs.repeatOf && status === 200 && body && typeof body.ok === 'boolean') {
      const first = obs.repeatOf.body;
      if (first?.ok === true) {
        if (body.ok !== true) add('same requestId, same answer', `first ok, repeat ${body.error?.code}`);
        else if (actedOn({ answer: obs.repeatOf }) !== actedOn({ answer: obs.answer }))
          add('same requestId, same answer', `first ${actedOn({ answer: obs.repeatOf })}, repeat ${actedOn({ answer: obs.answer })}`);
        if (snapshotKey(obs.before) !== snapshotKey(after)) add('same requestId changes nothing more', diffSummary(obs.before, after));
      }
    }
    // the answer and the database agree on the after-sale acted on
    const ret = okReturn(obs.answer);
    if (ret) {
      const id = String(ret.returnId ?? ret._id);
      const stored = after.returns.find((r) => String(r._id) === id);
      if (!stored) add('answer = database', `${id} answered but not stored`);
      else if (stored.status !== ret.status && !obs.repeatOf) add('answer = database', `${id} answered ${ret.status}, stored ${stored.status}`);
    }
  }

  const returnsOf = (o: ModelOrder) => after.returns.filter((r) => String(r.orderId) === o.orderId);
  for (const order of model.orders) {
    const rets = returnsOf(order);
    const refunding = rets.filter((r) => has(REFUNDING_SET, r.status));
    // ---- per line: one holder per unit; units and fen being refunded within what was bought/paid
    for (const line of order.lines) {
      const holders = rets.filter((r) => !has(RELEASED, r.status) && unitsOf(r, line.lineId) > 0);
      const held = holders.reduce((s, r) => s + unitsOf(r, line.lineId), 0);
      if (held > line.quantity)
        add(
          'one holder per unit',
          `${order.orderId}/${line.lineId}: ${held} units held of ${line.quantity} bought by ${holders.map((r) => `${r._id}(${r.status} ×${unitsOf(r, line.lineId)})`).join(', ')}`,
        );
      const rUnits = refunding.reduce((s, r) => s + unitsOf(r, line.lineId), 0);
      const rFen = refunding.reduce((s, r) => s + (refundOf(r).lineFen.get(line.lineId) ?? 0), 0);
      if (rUnits > line.quantity)
        add(
          'refunded units ≤ bought',
          `${order.orderId}/${line.lineId}: ${rUnits} of ${line.quantity} by ${refunding
            .filter((r) => unitsOf(r, line.lineId) > 0)
            .map((r) => `${r._id}(${r.status})`)
            .join(', ')}`,
        );
      if (rFen > line.paidAmount) add('refunded fen ≤ paid', `${order.orderId}/${line.lineId}: ${rFen} of ${line.paidAmount}`);
    }
    // ---- per payment, per order: refund records within what was paid, and only to the order's payments
    // A record its after-sale does not name and that was never sent (a settlement that never committed) moves no
    // money: it is left out here and held to "never sent" below.
    const named = new Set(rets.flatMap((r) => (r.refundIds ?? []).map(String)));
    const records = after.refunds.filter((r) => String(r.orderId) === order.orderId && (named.has(String(r._id)) || Number(r.tries) > 0));
    const holding = records.filter((r) => !has(RECORD_RELEASED, r.status));
    for (const p of order.payments) {
      const sum = holding.filter((r) => r.outTradeNo === p.outTradeNo).reduce((s, r) => s + (Number(r.refundFee) || 0), 0);
      if (sum > p.amount) add('per payment Σ refunds ≤ amount', `${order.orderId} ${p.outTradeNo}: ${sum} of ${p.amount}`);
    }
    for (const r of records) if (!order.payments.some((p) => p.outTradeNo === r.outTradeNo)) add('refunds go to the original payment', `${r._id} → ${r.outTradeNo}`);
    const paid = order.payments.reduce((s, p) => s + p.amount, 0);
    const total = holding.reduce((s, r) => s + (Number(r.refundFee) || 0), 0);
    if (total > paid) add('per order Σ refunds ≤ paid', `${order.orderId}: ${total} of ${paid}`);
    // ---- per after-sale: never more than its amount; a REFUNDED one got exactly its amount
    for (const ret of rets) {
      const mine = records.filter((r) => String(r.returnId) === String(ret._id));
      const committed = mine.filter((r) => !has(RECORD_RELEASED, r.status)).reduce((s, r) => s + (Number(r.refundFee) || 0), 0);
      if (has(REFUNDING_SET, ret.status) && committed > targetOf(ret))
        add('an after-sale gets at most its amount', `${ret._id} (${ret.status}): records ${committed} > amount ${targetOf(ret)}`);
      if (ret.status === 'REFUNDED') {
        const online = mine.filter((r) => r.status === 'SUCCESS').reduce((s, r) => s + (Number(r.refundFee) || 0), 0);
        const offline = Number(ret.offlineRefund?.amount) || 0;
        if (online + offline !== targetOf(ret)) add('REFUNDED got exactly its amount', `${ret._id}: online ${online} + offline ${offline} ≠ ${targetOf(ret)}`);
      }
    }
    // ---- outbound shipping: at most one refund carries it, only the one completing every unit, only when the rules allow it
    const withShipping = refunding.filter((r) => refundOf(r).shipping > 0);
    if (withShipping.length > 1) add('shipping refunded at most once', `${order.orderId}: ${withShipping.map((r) => `${r._id}(${refundOf(r).shipping})`).join(', ')}`);
    for (const r of withShipping) {
      if (refundOf(r).shipping > order.shippingFee) add('shipping refunded at most once', `${r._id}: shipping ${refundOf(r).shipping} > fee ${order.shippingFee}`);
      const missing = order.lines.filter((l) => refunding.reduce((s, x) => s + unitsOf(x, l.lineId), 0) < l.quantity);
      if (missing.length)
        add(
          'shipping only with the refund of every unit',
          `${r._id} refunds shipping ${refundOf(r).shipping} but ${missing.map((l) => `${l.lineId} ×${l.quantity - refunding.reduce((s, x) => s + unitsOf(x, l.lineId), 0)}`).join(', ')} not refunded`,
        );
      if (order.shipped && !refunding.every((x) => isSellerSide(x.reason)))
        add('shipping only when unshipped or all seller-side', `${r._id} refunds shipping of a shipped order; reasons ${refunding.map((x) => x.reason).join(', ')}`);
    }
    // ---- the order's summary reads back as api.md says: afterSale[lineId] = { returnId, status }
    const doc = after.orders.find((o) => String(o._id) === order.orderId);
    if (!doc) add('order kept', `${order.orderId} missing`);
    else if (doc.afterSale && typeof doc.afterSale === 'object') {
      for (const [k, val] of Object.entries<any>(doc.afterSale)) {
        // A line id the database cannot take as a field name (a dot, a leading $) is percent-encoded (docs/contract-additions.md).
        if (!order.lines.some((l) => summaryKey(l.lineId) === k) || !val || typeof val.returnId !== 'string')
          add('summary keyed by lineId', `${order.orderId}.afterSale[${JSON.stringify(k)}] = ${JSON.stringify(val).slice(0, 200)}`);
      }
    }
  }

  // ---- per after-sale: model rules that hold whatever the path
  const stored = new Map(after.returns.map((r) => [String(r._id), r]));
  for (const m of model.returns.values()) {
    const r = stored.get(m.returnId);
    if (!r) {
      add('after-sales are never deleted', `${m.returnId} is gone`);
      continue;
    }
    if (m.terminal && r.status !== m.terminal) add('terminal never changes', `${m.returnId}: ${m.terminal} → ${r.status}`);
    if (m.goodsSent && r.status === 'CANCELLED') add('no cancel once goods were sent', `${m.returnId} CANCELLED after goods were sent`);
    if (m.sentLines && normLines(r.lines) !== normLines(m.sentLines))
      add('lines fixed once goods were sent', `${m.returnId}: sent ${normLines(m.sentLines)}, now ${normLines(r.lines)}`);
    if (normLines(r.lines) !== normLines(m.lines)) add('lines as answered', `${m.returnId}: answered ${normLines(m.lines)}, stored ${normLines(r.lines)}`);
    const booked = after.bookings[m.returnId] ?? 0;
    if (booked > m.pickups) add('one courier per accepted pickup', `${m.returnId}: ${booked} bookings for ${m.pickups} accepted pickups`);
    if (m.corrections > MAX_CORRECTIONS) add('at most 3 logistics corrections', `${m.returnId}: ${m.corrections} corrections accepted`);
    if (m.hadPickup && has(REFUNDING_SET, r.status)) {
      const postage = refundOf(r).postage + (Number(r.postageOffline) || 0);
      if (postage > 0) add('no postage after a pickup', `${m.returnId}: postage ${postage} refunded after a merchant-paid pickup`);
    }
  }
  // ---- money moves only for an after-sale whose refund was planned: an exchange never, unless converted to a refund
  for (const rec of after.refunds) {
    const r = stored.get(String(rec.returnId));
    // A record its after-sale does not name was stored by a settlement that never committed: it must never be sent
    // (still CREATED and never tried, or closed unsent by the sweep) — then it moved no money.
    if (!(r?.refundIds ?? []).includes(rec._id)) {
      const unsent = Number(rec.tries) === 0 && (rec.status === 'CREATED' || (rec.status === 'CLOSED' && rec.lastError?.code === 'NOT_COMMITTED'));
      if (!unsent) add('a record no after-sale names is never sent', `${rec._id} (${rec.refundFee}) ${rec.status}, tries ${rec.tries}, not named by ${rec.returnId}`);
      continue;
    }
    const planned = !!r && (has(REFUNDING_SET, r.status) || (r.timeline ?? []).some((e: any) => has(REFUNDING_SET, e.to)));
    if (!planned)
      add('money moves only for a planned refund', `${rec._id} (${rec.refundFee}) for ${rec.returnId} (${r?.status ?? 'missing'}${r?.exchange ? ', an exchange' : ''})`);
  }
  for (const r of after.returns) {
    if (!r.exchange) continue;
    const events: any[] = r.events ?? [];
    const shipped = events.filter((e) => e.stock?.op === 'exchangeShipped').length;
    const reshipped = !!r.exchange.reship;
    // ---- 换货: the replacement goes out once, only after the goods came back, and then the exchange is never refunded
    if (shipped > 1) add('a replacement ships once', `${r._id}: ${shipped} exchangeShipped events`);
    if (reshipped && !(r.timeline ?? []).some((e: any) => e.to === 'AWAITING_RESHIP'))
      add('replacement only after the goods came back', `${r._id} reshipped without reaching AWAITING_RESHIP`);
    if (reshipped && (r.timeline ?? []).some((e: any) => e.from === 'AWAITING_RESHIP' && has(REFUNDING_SET, e.to) && new Date(e.at) >= new Date(r.exchange.reship.at)))
      add('a shipped replacement is never refunded', `${r._id}: converted to a refund after the replacement went out`);
    if (r.status === 'EXCHANGED' && !reshipped) add('EXCHANGED only after the replacement went out', `${r._id}`);
    // ---- its events tell the shop's stock system the truth: released never after shipped
    const ops = events.map((e) => e.stock?.op).filter(Boolean);
    if (ops.indexOf('exchangeReleased') > ops.indexOf('exchangeShipped') && ops.includes('exchangeShipped')) add('stock records in order', `${r._id}: ${ops.join(' → ')}`);
    // ---- … and a reservation is released at most once (the refund's moves after a conversion change no stock)
    if (
      ops.some(
        (op, i) => op === 'exchangeReleased' && ops.indexOf('exchangeReleased') < i && !ops.slice(ops.lastIndexOf('exchangeReleased', i - 1), i).includes('exchangeReserved'),
      )
    )
      add('a reservation is released once', `${r._id}: ${ops.join(' → ')}`);
  }
  // ---- every after-sale comes from an accepted apply
  for (const r of after.returns) {
    if (model.orders.some((o) => o.orderId === String(r.orderId)) && !model.returns.has(String(r._id)))
      add('after-sales come from an accepted apply', `${r._id} (${r.status}) appeared after ${obs.label}`);
  }
  return v;
}

/** After the checks: the model takes the statuses the database shows (and remembers terminal ones). */
export function syncModel(model: Model, after: DbState): void {
  for (const r of after.returns) {
    const m: ModelReturn | undefined = model.returns.get(String(r._id));
    if (!m) continue;
    m.status = r.status;
    if (!m.terminal && (TERMINAL as readonly string[]).includes(r.status)) m.terminal = r.status;
  }
}
