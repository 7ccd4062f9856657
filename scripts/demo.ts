/**
 * `npm run demo`: walks one whole return through the built functions and
 * prints every step and the buyer's timeline. Starts its own emulator in a
 * temporary folder; `npm run demo -- --url http://127.0.0.1:3000` uses a
 * running `npm start` instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulator } from './emulator';
import { demoSeed, DEMO } from './emulator/demo';
import { C, INDEXES } from '../cloudfunctions/core/data/collections';
import { formatShopTime } from '../cloudfunctions/core/policy/time';
import { syntheticJpeg } from './emulator/openapi/media';

const root = path.resolve(__dirname, '..');
/** A phone photo as the mini-program uploads it: compressed to 640 × 480 (within the content check's limits). */
const JPEG = syntheticJpeg(640, 480, 2048);

async function main(): Promise<void> {
  const urlArg = process.argv.indexOf('--url');
  let url: string;
  let close = async () => {};
  if (urlArg >= 0) {
    url = process.argv[urlArg + 1].replace(/\/$/, '');
  } else {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aftersales-demo-'));
    const emu = await createEmulator({ port: 0, dataDir, functionsDir: path.join(root, 'build', 'cloudfunctions'), reset: true });
    for (const name of Object.values(C)) await emu.db.createCollection(name);
    for (const [coll, list] of Object.entries(INDEXES)) for (const ix of list) await emu.db.ensureIndex(coll, Object.keys(ix.keys), { unique: !!ix.unique });
    url = emu.url;
    await post(url, '/_local/seed', demoSeed(emu.clock.now()));
    close = async () => {
      await emu.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const stamp = Date.now().toString(36);
  const call = async (name: string, openid: string, event: Record<string, unknown>) => {
    const res = await fetch(`${url}/functions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-wx-openid': openid }, body: JSON.stringify(event) });
    const body: any = await res.json();
    if (!body?.ok) throw new Error(`${name} ${String(event.action ?? '')}: ${JSON.stringify(body)}`);
    return body.data;
  };
  const step = (title: string, detail: string) => console.log(`\n▶ ${title}\n  ${detail}`);

  const order = 'O1003';
  const lines = [{ lineId: 'L2', quantity: 1 }];
  const photo = (await post(url, '/_local/storage', { cloudPath: `evidence/${DEMO.buyer}/demo-${stamp}.jpg`, contentBase64: JPEG.toString('base64'), contentType: 'image/jpeg' }))
    .fileID;
  const p = await call('applyReturn', DEMO.buyer, { action: 'preview', orderId: order, type: 'RETURN_REFUND', reason: 'QUALITY_ISSUE', lines, evidence: [photo] });
  step(
    '买家预览 preview',
    p.eligible
      ? `可以申请：退款 ${(p.amounts.total / 100).toFixed(2)} 元，退货运费由${p.freightPayer === 'SELLER' ? '商家' : '买家'}承担`
      : `不可申请：${p.refusals.map((r: any) => r.message).join('；')}`,
  );

  let r = (
    await call('applyReturn', DEMO.buyer, {
      action: 'apply',
      requestId: `demo-apply-${stamp}`,
      orderId: order,
      type: 'RETURN_REFUND',
      reason: 'QUALITY_ISSUE',
      description: '包带开线',
      lines,
      evidence: [photo],
    })
  ).return;
  step('买家申请 apply', `${r.returnId} → ${r.statusLabel}（${r.deadlineText}）`);
  r = (await call('reviewReturn', DEMO.merchant, { action: 'approve', requestId: `demo-approve-${stamp}`, returnId: r.returnId })).return;
  step('商家同意 approve', `→ ${r.statusLabel}，寄回：${r.returnAddress?.address ?? ''}`);
  r = (
    await call('submitLogistics', DEMO.buyer, {
      mode: 'SELF_SHIP',
      requestId: `demo-ship-${stamp}`,
      returnId: r.returnId,
      carrier: 'SF',
      trackingNo: 'SF1234567890123',
      postage: 1200,
    })
  ).return;
  step('买家寄回 submitLogistics', `→ ${r.statusLabel}，顺丰 SF1234567890123，申请运费 12.00 元`);
  r = (await call('reviewReturn', DEMO.merchant, { action: 'confirmReceipt', requestId: `demo-receive-${stamp}`, returnId: r.returnId })).return;
  step('商家确认收货 confirmReceipt', `→ ${r.statusLabel}，退款 ${(r.refundAmount / 100).toFixed(2)} 元（原路退回）`);
  const delivered = await post(url, '/_local/pay/flush', {});
  step('微信支付退款通知 refundCallback', `${(delivered.data ?? []).length} 条通知已送达`);
  r = (await call('queryReturns', DEMO.buyer, { action: 'get', returnId: r.returnId })).return;
  step('买家查看 get', [`${r.statusLabel}：${r.refundHint ?? ''}`, ...(r.notices ?? []).map((n: string) => `请注意：${n}`)].join('\n  '));
  console.log('\n时间线 timeline（北京时间）:');
  for (const e of r.timeline)
    console.log(`  ${formatShopTime(new Date(e.at))}  ${e.actionLabel.padEnd(8, '　')} ${e.fromLabel ?? '—'} → ${e.toLabel}${e.note ? `  ${e.note}` : ''}`);
  await close();
}

async function post(url: string, p: string, body: unknown): Promise<any> {
  const res = await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
