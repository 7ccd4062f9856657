/**
 * Helpers shared by the function tests (test/functions/*.test.ts), on top of
 * the emulator harness (./emulator.ts):
 *
 * - useEmulator(): one emulator per test file, started before all its tests
 *   and closed after them;
 * - callers of the demo shop (buyer, merchant, ...) and expectError();
 * - fx(h): helpers bound to that emulator: database reads, writesNothing(),
 *   seeded orders, the usual calls, and the waits after clock moves.
 */
import { startEmulator, rid, jpeg, DEMO, type Harness } from './emulator';

/**
 * Starts the emulator before the file's tests (beforeAll) and closes it after
 * them (afterAll). The harness returned forwards to it, so it can be held in a
 * module-level const and used in tests and hooks (not at load time).
 */
export function useEmulator(opts: Parameters<typeof startEmulator>[0] = {}): Harness {
  let current: Harness | undefined;
  beforeAll(async () => {
    current = await startEmulator(opts);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as Harness, {
    get(_, key) {
      if (!current) throw new Error(`emulator not started: h.${String(key)} used outside a test or hook`);
      return Reflect.get(current, key);
    },
  });
}

/** The demo shop's callers, as the options of h.call. */
export const buyer: { openid: string } = { openid: DEMO.buyer };
export const otherBuyer: { openid: string } = { openid: DEMO.otherBuyer };
export const merchant: { openid: string } = { openid: DEMO.merchant };
export const arbiter: { openid: string } = { openid: DEMO.arbiter };
export const admin: { openid: string } = { openid: DEMO.admin };

/** A refusal with this code, a Chinese message, and (when given) exactly that message or one matching it. */
export function expectError(res: any, code: string, message?: string | RegExp) {
  expect(res.ok).toBe(false);
  expect(res.error.code).toBe(code);
  if (typeof message === 'string') expect(res.error.message).toBe(message);
  else if (message) expect(res.error.message).toMatch(message);
  expect(res.error.message).toMatch(/[\u4e00-\u9fff]/);
}

/** The `data` of a successful answer; a refusal fails the test with its error. */
export function dataOf(res: any): any {
  if (!res.ok) throw new Error(`call failed: ${JSON.stringify(res.error)}`);
  return res.data;
}

const DAY = 86_400_000;

const isoString = (ms: number): unknown => new Date(ms).toISOString();
/** Seeded dates as EJSON `{ $date }` (stored as dates rather than ISO strings). */
export const ejsonDate = (ms: number): unknown => ({ $date: new Date(ms).toISOString() });

export interface OrderSpec {
  _id: string;
  /** Default 'RECEIVED'; only a RECEIVED order has shippedAt and receivedAt. */
  status?: 'PAID' | 'RECEIVED';
  /** Default DEMO.buyer. */
  buyerOpenid?: string;
  /** Days before the emulator's now: paid, and for a RECEIVED order shipped and received. */
  daysAgo: { paid: number; shipped?: number; received?: number };
  /** How dates are written; default ISO strings (see ejsonDate). */
  date?: (ms: number) => unknown;
  /** Default 0. */
  shippingFee?: number;
  lines: { paidAmount: number; [field: string]: unknown }[];
  /** Default: one FULL WECHAT_PAY payment `T<_id>` of Σ lines.paidAmount + shippingFee, at paidAt. */
  payments?: Record<string, unknown>[];
  /** The default payment's transactionId (none when left out). */
  transactionId?: string;
}

/** The order document of `spec`, its dates relative to `now`. */
export function orderFixture(now: number, spec: OrderSpec): Record<string, unknown> {
  const date = spec.date ?? isoString;
  const status = spec.status ?? 'RECEIVED';
  const shippingFee = spec.shippingFee ?? 0;
  const { paid, shipped, received } = spec.daysAgo;
  if (status === 'RECEIVED' && (shipped === undefined || received === undefined)) throw new Error(`order ${spec._id}: a RECEIVED order needs daysAgo.shipped and daysAgo.received`);
  const paidAt = date(now - paid * DAY);
  const amount = spec.lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
  return {
    _id: spec._id,
    buyerOpenid: spec.buyerOpenid ?? DEMO.buyer,
    status,
    paidAt,
    ...(status === 'RECEIVED' ? { shippedAt: date(now - shipped! * DAY), receivedAt: date(now - received! * DAY) } : {}),
    shippingFee,
    payments: spec.payments ?? [
      { outTradeNo: `T${spec._id}`, ...(spec.transactionId ? { transactionId: spec.transactionId } : {}), channel: 'WECHAT_PAY', amount, paidAt, kind: 'FULL' },
    ],
    lines: spec.lines,
  };
}

export type ReturnKind = 'REFUND_ONLY' | 'RETURN_REFUND';

export interface ApplyOptions {
  reason?: string;
  /** Default: one unit (or `quantity`) of L1. */
  lines?: { lineId: string; quantity: number }[];
  quantity?: number;
  evidence?: string[];
}

/** JSON text in which an undefined (in an array too) is not the same as a null. */
const textOf = (v: unknown) => JSON.stringify(v, (_k, x) => (x === undefined ? '\u0000undefined' : x));

/**
 * expect(actual).toEqual(expected), where the deep walk (and its diff) happens only when the JSON texts differ: the
 * same text is the same value for toEqual; a check made after every step of a walk costs a string compare.
 */
export function expectSame(actual: unknown, expected: unknown): void {
  if (textOf(actual) !== textOf(expected)) expect(actual).toEqual(expected);
}

/** Helpers bound to the harness `h` (from useEmulator()). */
export function fx(h: Harness) {
  /** Lets what a clock move started finish: sweep runs, refund results and their notifications. */
  async function settle(): Promise<void> {
    await h.emu.timers.idle();
    await h.emu.pay.idle();
    await h.flush();
    await h.emu.timers.idle();
  }

  /** Waits for what runs in the background (timer firings, notification deliveries) without delivering anything new. */
  async function quiet(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await h.emu.timers.idle();
      await h.emu.pay.idle();
    }
  }

  /** Moves the emulator clock and waits for what it set off (the sweep, refund notifications) to finish: settle(). */
  async function advance(ms: number): Promise<void> {
    await h.advance(ms);
    await settle();
  }

  return {
    settle,
    quiet,
    advance,

    /**
     * Runs `fn` and asserts that no document of any collection changed meanwhile (the store's write sequence
     * did not move; a write that leaves a document as it was is not a change). Fails with the documents written.
     */
    async writesNothing<T>(fn: () => Promise<T>): Promise<T> {
      const seq = h.writeSeq();
      const out = await fn();
      expect(h.writtenSince(seq)).toEqual([]);
      return out;
    },

    /** Moves the emulator clock, then quiet(). */
    async advanceQuietly(ms: number): Promise<void> {
      await h.advance(ms);
      await quiet();
    },

    /**
     * Moves the clock just past `deadlineMs` in two steps, the last one a few
     * seconds long: the sweep (fired when the clock passes a minute's slot) then
     * usually has not applied the default outcome yet, so the refusal of the
     * waited-on party itself is what the test sees.
     */
    async advanceJustPast(deadlineMs: number): Promise<void> {
      const now = await h.now();
      if (deadlineMs - 3000 > now) await advance(deadlineMs - 3000 - now);
      await advance(5000);
    },

    /** The timer trigger, as the cloud fires it (SOURCE wx_trigger), then quiet(). */
    async sweep() {
      const res = await h.trigger('sweepTimeouts');
      expect(res.ok).toBe(true);
      await quiet();
      return res.data;
    },

    /** The stored after-sale. */
    async returnDoc(returnId: string) {
      return (await h.db('returns', (r) => r._id === returnId))[0];
    },

    /** The stored order. */
    async orderDoc(orderId: string) {
      return (await h.db('orders', (o) => o._id === orderId))[0];
    },

    /** The entries of the order's after-sale ledger (the `ledgers` collection), by return id ({} when it has none yet). */
    async ledgerOf(orderId: string): Promise<Record<string, any>> {
      return (await h.db('ledgers', (l) => l._id === orderId))[0]?.entries ?? {};
    },

    /** The after-sale's refund records, by out_refund_no. */
    async refundsOf(returnId: string) {
      return (await h.db('refunds', (r) => r.returnId === returnId)).sort((a: any, b: any) => (a._id < b._id ? -1 : 1));
    },

    /** Scripts the emulator's openapi answers (content checks, logistics). */
    async scriptOpenApi(script: Record<string, unknown>) {
      const res = await fetch(`${h.url}/_local/openapi`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(script) });
      expect(res.status).toBe(200);
    },

    /**
     * `times` taps of `openid` on wx.requestSubscribeMessage accepting
     * `templateIds` (the demo shop's two by default): WeChat records one
     * consent per template id (POST /_local/subscribe) and the page reports
     * them (queryReturns subscribe). Each consent allows one message.
     */
    async consent(openid: string, templateIds: string[] = ['TPL_AFTERSALE_STATUS', 'TPL_AFTERSALE_REMINDER'], times = 1): Promise<void> {
      for (let i = 0; i < times; i++) {
        const wx = await fetch(`${h.url}/_local/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openid, templateIds }) });
        expect(wx.status).toBe(200);
        const res = await h.call('queryReturns', { action: 'subscribe', templateIds }, { openid });
        expect(res.ok).toBe(true);
      }
    },

    /** Uploads an evidence photo into `evidence/<openid>/`. */
    async photo(openid: string = DEMO.buyer): Promise<string> {
      return h.upload(`evidence/${openid}/${rid('img')}.jpg`, jpeg(), 'image/jpeg');
    },

    /** Seeds the order of `spec` (dates relative to the emulator clock). */
    async seedOrder(spec: OrderSpec): Promise<void> {
      await h.seed({ orders: [orderFixture(await h.now(), spec)] });
    },

    /**
     * Seeds a RECEIVED order of DEMO.buyer (paid 4 days ago, shipped 3,
     * received yesterday) with one line L1: `quantity` × `unitPrice`.
     */
    async seedOneLineOrder(id: string, quantity: number, unitPrice: number): Promise<void> {
      await h.seed({
        orders: [
          orderFixture(await h.now(), {
            _id: id,
            daysAgo: { paid: 4, shipped: 3, received: 1 },
            lines: [{ lineId: 'L1', skuId: `SKU-${id}`, title: '测试商品', quantity, unitPrice, paidAmount: quantity * unitPrice }],
          }),
        ],
      });
    },

    /** The buyer applies (one unit of L1 and NO_LONGER_WANTED unless told); the after-sale as answered. */
    async apply(orderId: string, type: ReturnKind, opts: ApplyOptions = {}): Promise<any> {
      const res = await h.call(
        'applyReturn',
        {
          action: 'apply',
          requestId: rid('apply'),
          orderId,
          type,
          reason: opts.reason ?? 'NO_LONGER_WANTED',
          lines: opts.lines ?? [{ lineId: 'L1', quantity: opts.quantity ?? 1 }],
          ...(opts.evidence ? { evidence: opts.evidence } : {}),
        },
        buyer,
      );
      return dataOf(res).return;
    },

    /** The merchant approves; the after-sale as answered. */
    async approve(returnId: string): Promise<any> {
      const res = await h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId }, merchant);
      expect(res.ok).toBe(true);
      return res.data.return;
    },

    /** A reviewReturn call (the merchant's unless told), its answer as is. */
    review(event: Record<string, unknown>, openid: string = DEMO.merchant) {
      return h.call('reviewReturn', { requestId: rid('review'), ...event }, { openid });
    },

    /** queryReturns get, which must succeed: the after-sale as `openid` sees it. */
    async getReturn(returnId: string, openid: string = DEMO.buyer) {
      const res = await h.call('queryReturns', { action: 'get', returnId }, { openid });
      expect(res.ok).toBe(true);
      return res.data.return;
    },
  };
}
