/**
 * The built bundles carry wx-server-sdk with the modules the product never
 * reaches cut out (scripts/build/cut-modules.mjs): a cut module throws
 * `[cut-module] …` and writes that line to the function's log if anything of
 * it is ever called. This file drives every function along every SDK path the
 * product uses — database reads, writes and queries, getWXContext, storage
 * (downloadFile, uploadFile, getTempFileURL), openapi (security.imgSecCheck,
 * subscribeMessage.send, logistics.addOrder / cancelOrder), cloudPay (refund,
 * queryRefund), callFunction (the after-sale events, to the shop's
 * afterSaleEvents) and the timer — and then checks in the emulator's per-invocation
 * stats that
 *   - every function ran and every SDK path was reached (by admin action),
 *   - no invocation's log mentions a cut module, none failed,
 *   - no query from the product was left without a declared index
 *     (GET /_local/stats `unindexedQueries`).
 * Every instance here starts cold (`coldStarts`: no warm instance from another
 * test file), so whatever a bundle requires lazily is required in this file.
 */
import { pickupTomorrow, rid } from '../support/emulator';
import { useEmulator, fx, buyer, merchant, admin } from '../support/functions';

const h = useEmulator({ coldStarts: true });
const f = fx(h);
const HOUR = 3_600_000;

const FUNCTIONS = ['applyReturn', 'uploadEvidence', 'submitLogistics', 'reviewReturn', 'executeRefund', 'refundCallback', 'sweepTimeouts', 'queryReturns', 'afterSaleEvents'];

async function drive(): Promise<void> {
  const ok = (res: any) => {
    if (!res.ok && !('errcode' in res)) throw new Error(`call failed: ${JSON.stringify(res.error)}`);
    return res;
  };
  await f.seedOneLineOrder('SDK-1', 2, 6000);
  await f.seedOneLineOrder('SDK-2', 1, 3000);
  await f.seedOneLineOrder('SDK-3', 1, 2000);
  await f.seedOneLineOrder('SDK-4', 1, 2500);
  // every transition's event delivered by callFunction to the shop's consumer (by the sweep's outbox step)
  await h.seed({ skus: ['SDK-1', 'SDK-2', 'SDK-3', 'SDK-4'].map((id) => ({ _id: `SKU-${id}`, title: '测试商品', stock: 10 })) });
  const [shop] = (await h.db('settings')).filter((d: any) => d._id === 'shop');
  await h.seed({ settings: [{ ...shop, events: { function: 'afterSaleEvents', maxTries: 3 } }] });
  await f.advanceQuietly(61_000); // settings are cached for a minute

  // applyReturn: preview (order read), apply (queries, ledger compare-and-set, insert) and its repeat (the requestId lookup)
  ok(await h.call('applyReturn', { action: 'preview', orderId: 'SDK-1', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer));
  const requestId = rid('apply');
  const event = {
    action: 'apply',
    requestId,
    orderId: 'SDK-1',
    type: 'RETURN_REFUND',
    reason: 'QUALITY_ISSUE',
    lines: [{ lineId: 'L1', quantity: 1 }],
    evidence: [await f.photo()],
  };
  const a = ok(await h.call('applyReturn', event, buyer)).data.return;
  ok(await h.call('applyReturn', event, buyer));

  // uploadEvidence: storage downloadFile + uploadFile, openapi security.imgSecCheck
  const photo = await f.photo();
  ok(await h.call('uploadEvidence', { requestId: rid('ue'), returnId: a.returnId, files: [{ fileID: photo, kind: 'PHOTO' }] }, buyer));

  // queryReturns: get (getTempFileURL of the evidence), the buyer's list, the staff queue
  ok(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, buyer));
  ok(await h.call('queryReturns', { action: 'list', scope: 'mine', limit: 10 }, buyer));
  ok(await h.call('queryReturns', { action: 'list', scope: 'merchant', limit: 10 }, merchant));
  ok(await h.call('queryReturns', { action: 'list', scope: 'merchant', status: 'PENDING_REVIEW', limit: 10 }, merchant));

  // reviewReturn approve: staff lookup, compare-and-set (the order summary and the subscribe message follow with the sweep)
  await f.approve(a.returnId);

  // submitLogistics: a pickup (openapi logistics.addOrder), then self-shipping instead (logistics.cancelOrder)
  const pickup = pickupTomorrow(await h.now());
  ok(await h.call('submitLogistics', { mode: 'PICKUP', requestId: rid(), returnId: a.returnId, pickup }, buyer));
  ok(await h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid(), returnId: a.returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer));

  // reviewReturn confirmReceipt: refund records planned with the settlement, stored, and submitted (cloudPay.refund)
  ok(await f.review({ action: 'confirmReceipt', returnId: a.returnId }));
  // refundCallback: the notification, confirmed by cloudPay.queryRefund
  await h.flush();

  // executeRefund: a refund refused by the platform, retried by the merchant, then recorded as refunded offline
  const b = await f.apply('SDK-2', 'REFUND_ONLY', { reason: 'WRONG_ORDER' });
  await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
  await f.approve(b.returnId);
  await h.call('executeRefund', { action: 'retry', requestId: rid('retry'), returnId: b.returnId }, merchant);
  await h.call('executeRefund', { action: 'markOffline', requestId: rid('off'), returnId: b.returnId, note: '已线下退款' }, merchant);

  // a share the platform closed (REFUNDCLOSE): the merchant's retry plans a new number under the order's lock (lock insert and remove)
  const c = await f.apply('SDK-4', 'REFUND_ONLY', { reason: 'WRONG_ORDER' });
  await h.pay({ callback: [{ status: 'REFUNDCLOSE' }] });
  await f.approve(c.returnId);
  await h.flush();
  await f.quiet();
  await f.advanceQuietly(61_000); // WeChat Pay: a new refund of the payment at least a minute after the closed one
  ok(await h.call('executeRefund', { action: 'retry', requestId: rid('retry'), returnId: c.returnId }, merchant));
  await h.flush();

  // sweepTimeouts: the timer with a deadline due (auto-approve after 48 h), a reminder and the outboxes (subscribe messages
  // via openapi subscribeMessage.send, order summaries, the consumer), and an ADMIN by hand
  await f.apply('SDK-3', 'RETURN_REFUND');
  await f.advanceQuietly(49 * HOUR);
  await f.sweep();
  ok(await h.call('sweepTimeouts', {}, admin));
}

describe('the cut bundles on every SDK path the product uses', () => {
  let stats: any;
  beforeAll(async () => {
    await h.resetStats();
    await drive();
    stats = await h.stats();
  }, 120_000);

  it('every function ran, from a cold start, through every kind of platform call', () => {
    const ran = new Set(stats.invocations.map((i: any) => i.function));
    for (const name of FUNCTIONS) expect(ran).toContain(name);
    // each function's first invocation here loaded its bundle (no warm instance of another test file)
    const first = new Map<string, boolean>();
    for (const r of h.emu.functions.pool.recentLogs()) if (!first.has(r.function)) first.set(r.function, r.cold);
    expect(Object.fromEntries(first)).toEqual(Object.fromEntries(FUNCTIONS.map((name) => [name, true])));
    const actions = new Set<string>();
    for (const inv of stats.invocations) for (const a of Object.keys(inv.requestsByAction ?? {})) actions.add(a);
    // the wire actions of the SDK paths listed above
    for (const a of [
      'database.getDocument',
      'database.modifyDocument',
      'database.insertDocument',
      'database.removeDocument',
      'database.aggregateDocuments',
      'storage.batchGetDownloadUrl',
      'storage.getUploadMetadata',
      'wx.openApi',
      'wx.wxPayApi',
      'functions.invokeFunction',
    ]) {
      expect(actions).toContain(a);
    }
  });

  it('no invocation reached a module cut from the bundle, none failed', () => {
    const hits = stats.invocations.flatMap((i: any) => (i.logs ?? []).filter((l: string) => l.includes('[cut-module]')).map((l: string) => `${i.function}: ${l}`));
    expect(hits).toEqual([]);
    const failed = stats.invocations.filter((i: any) => i.outcome !== 'ok').map((i: any) => `${i.function}: ${i.outcome}`);
    expect(failed).toEqual([]);
  });

  it('every query the product sent was served by a declared index (INDEXES) or by _id', () => {
    const fromFunctions = (stats.unindexedQueries ?? []).filter((q: any) => q.function);
    expect(fromFunctions).toEqual([]);
  });
});
