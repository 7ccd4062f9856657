/**
 * uploadEvidence end to end: who may attach (the buyer, staff), what counts
 * (own folder, existing, type, size, count, content check through the
 * emulator's scripted openapi), the timeline event, and that refused calls
 * write nothing.
 */
import { createHash } from 'node:crypto';
import { rid, jpeg, mp4, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, buyer, otherBuyer, merchant, arbiter } from '../support/functions';

const h = useEmulator();
const { writesNothing, returnDoc, scriptOpenApi, seedOneLineOrder, sweep } = fx(h);

const seedOrder = (id: string) => seedOneLineOrder(id, 2, 6000);

async function openReturn(orderId: string): Promise<any> {
  await seedOrder(orderId);
  const res = await h.call(
    'applyReturn',
    { action: 'apply', requestId: rid('apply'), orderId, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] },
    buyer,
  );
  expect(res.ok).toBe(true);
  return res.data.return;
}

let n = 0;
async function file(openid: string, content: Buffer = jpeg(), ext = 'jpg'): Promise<string> {
  n += 1;
  // a video's poster frame, as the pages upload it beside the video (its content check)
  if (ext === 'mp4') await h.upload(`evidence/${openid}/ue-${n}.${ext}.poster.jpg`, jpeg());
  return h.upload(`evidence/${openid}/ue-${n}.${ext}`, content);
}

function upload(returnId: string, files: { fileID: string; kind: string }[], who = buyer, requestId = rid('ue')) {
  return h.call('uploadEvidence', { requestId, returnId, files }, who);
}

describe('uploadEvidence', () => {
  let ret: any;
  beforeAll(async () => {
    ret = await openReturn('S-UE1');
  });

  it('identity and input: missing OPENID → UNAUTHENTICATED; bad input → INVALID_ARGUMENT with paths', async () => {
    const f = await file(DEMO.buyer);
    expectError(
      await writesNothing(() => h.call('uploadEvidence', { requestId: rid(), returnId: ret.returnId, files: [{ fileID: f, kind: 'PHOTO' }] })),
      'UNAUTHENTICATED',
      '请在小程序内登录后再操作',
    );
    const bad = await writesNothing(() =>
      h.call(
        'uploadEvidence',
        {
          requestId: rid(),
          returnId: ret.returnId,
          files: [
            { fileID: f, kind: 'SELFIE' },
            { fileID: 'https://x/y.jpg', kind: 'PHOTO' },
          ],
        },
        buyer,
      ),
    );
    expectError(bad, 'INVALID_ARGUMENT', '请求参数不正确');
    expect(bad.error.details.issues.map((i: any) => i.path).sort()).toEqual(['files.0.kind', 'files.1.fileID']);
    const empty = await h.call('uploadEvidence', { requestId: rid(), returnId: ret.returnId, files: [] }, buyer);
    expect(empty.error.details.issues).toEqual([{ path: 'files', message: '请至少选择一个文件' }]);
    const dup = await h.call(
      'uploadEvidence',
      {
        requestId: rid(),
        returnId: ret.returnId,
        files: [
          { fileID: f, kind: 'PHOTO' },
          { fileID: f, kind: 'PHOTO' },
        ],
      },
      buyer,
    );
    expect(dup.error.details.issues).toEqual([{ path: 'files.1.fileID', message: '文件重复' }]);
    const tooMany = await h.call(
      'uploadEvidence',
      { requestId: rid(), returnId: ret.returnId, files: Array.from({ length: 10 }, (_, i) => ({ fileID: `${f}-${i}`, kind: 'PHOTO' })) },
      buyer,
    );
    expect(tooMany.error.details.issues).toEqual([{ path: 'files', message: '一次最多上传 9 个文件' }]);
  });

  it('the buyer attaches a photo and a video to their own after-sale; the timeline shows it', async () => {
    const photo = await file(DEMO.buyer, jpeg(3000));
    const video = await file(DEMO.buyer, mp4(5000), 'mp4');
    const requestId = rid('ue-first');
    const before = await returnDoc(ret.returnId);
    const res = await upload(
      ret.returnId,
      [
        { fileID: photo, kind: 'PHOTO' },
        { fileID: video, kind: 'VIDEO' },
      ],
      buyer,
      requestId,
    );
    expect(res.ok).toBe(true);
    const view = res.data.return;
    expect(view.status).toBe('PENDING_REVIEW');
    expect(view.version).toBe(before.version + 1);
    expect(view.deadline).toBe(before.deadline);
    expect(view.evidence).toEqual([
      expect.objectContaining({ fileID: photo, kind: 'PHOTO', by: { role: 'BUYER', openid: DEMO.buyer }, size: 3000, contentType: 'image/jpeg' }),
      expect.objectContaining({ fileID: video, kind: 'VIDEO', by: { role: 'BUYER', openid: DEMO.buyer }, size: 5000, contentType: 'video/mp4' }),
    ]);
    const last = view.timeline.at(-1);
    expect(last).toMatchObject({
      action: 'addEvidence',
      actionLabel: '补充凭证',
      from: 'PENDING_REVIEW',
      to: 'PENDING_REVIEW',
      note: '补充凭证 2 个',
      evidence: [photo, video],
      actor: { role: 'BUYER' },
    });

    const doc = await returnDoc(ret.returnId);
    expect(doc.evidence.map((e: any) => [e.fileID, e.kind])).toEqual([
      [photo, 'PHOTO'],
      [video, 'VIDEO'],
    ]);
    expect(doc.timeline.at(-1)).toMatchObject({ action: 'addEvidence', requestId, actor: { role: 'BUYER', openid: DEMO.buyer } });
    expect(doc.status).toBe('PENDING_REVIEW');
    expect(doc.deadline).toBe(before.deadline);

    // the photo went through the content check, and the video through its poster frame
    const checks = (await h.outbox()).filter((r: any) => r.api === 'security.imgSecCheck' && r.function === 'uploadEvidence');
    expect(checks.map((c: any) => c.data.media.size)).toEqual([3000, 2048]);

    // the same requestId again: same answer, nothing more
    const again = await writesNothing(() =>
      upload(
        ret.returnId,
        [
          { fileID: photo, kind: 'PHOTO' },
          { fileID: video, kind: 'VIDEO' },
        ],
        buyer,
        requestId,
      ),
    );
    expect(again.ok).toBe(true);
    expect(again.data.return.evidence).toHaveLength(2);
    ret = again.data.return;
  });

  it('a file already attached is not attached twice (a new request changes nothing)', async () => {
    const same = ret.evidence[0].fileID;
    const res = await writesNothing(() => upload(ret.returnId, [{ fileID: same, kind: 'PHOTO' }]));
    expect(res.ok).toBe(true);
    expect(res.data.return.evidence.map((e: any) => e.fileID)).toEqual(ret.evidence.map((e: any) => e.fileID));

    const fresh = await file(DEMO.buyer);
    const mixed = await upload(ret.returnId, [
      { fileID: same, kind: 'PHOTO' },
      { fileID: fresh, kind: 'OTHER' },
    ]);
    expect(mixed.ok).toBe(true);
    expect(mixed.data.return.evidence.map((e: any) => e.fileID)).toEqual([...ret.evidence.map((e: any) => e.fileID), fresh]);
    expect(mixed.data.return.evidence.at(-1)).toMatchObject({ kind: 'OTHER' });
    expect(mixed.data.return.timeline.at(-1)).toMatchObject({ note: '补充凭证 1 个', evidence: [fresh] });
    ret = mixed.data.return;
  });

  it("staff (merchant, arbiter) may attach their own files; not files from someone else's folder", async () => {
    const mine = await file(DEMO.merchant);
    const res = await upload(ret.returnId, [{ fileID: mine, kind: 'PHOTO' }], merchant);
    expect(res.ok).toBe(true);
    expect(res.data.return.evidence.at(-1)).toMatchObject({ fileID: mine, by: { role: 'MERCHANT', openid: DEMO.merchant } });
    // the buyer sees that staff attached it, not which staff member
    // (and under the functions' copy: the original path names the staff member's openid)
    const buyerSees = (await h.call('queryReturns', { action: 'get', returnId: ret.returnId }, buyer)).data.return;
    const seen = buyerSees.evidence.find((e: any) => e.by.role === 'MERCHANT');
    expect(seen.by).toEqual({ role: 'MERCHANT' });
    expect(seen.fileID).toMatch(/\/evidence-locked\/[0-9a-f]{64}\.jpg$/);
    expect(JSON.stringify(buyerSees)).not.toContain(DEMO.merchant);
    expect(res.data.return.timeline.at(-1)).toMatchObject({ action: 'addEvidence', actor: { role: 'MERCHANT' } });
    expect(res.data.return.allowedActions.sort()).toEqual(['approve', 'propose', 'reject']);

    const buyers = await file(DEMO.buyer);
    const refused = await writesNothing(() => upload(ret.returnId, [{ fileID: buyers, kind: 'PHOTO' }], merchant));
    expectError(refused, 'EVIDENCE_INVALID', '凭证文件须由本人上传到 evidence/ 目录');
    expect(refused.error.details.problems).toEqual([{ fileID: buyers, code: 'WRONG_FOLDER', message: '凭证文件须由本人上传到 evidence/ 目录' }]);

    const arb = await file(DEMO.arbiter);
    const byArbiter = await upload(ret.returnId, [{ fileID: arb, kind: 'OTHER' }], arbiter);
    expect(byArbiter.ok).toBe(true);
    expect(byArbiter.data.return.evidence.at(-1)).toMatchObject({ fileID: arb, by: { role: 'ARBITER' } });
    ret = byArbiter.data.return;
  });

  it('another buyer → FORBIDDEN (no data), even with their own file', async () => {
    const theirs = await file(DEMO.otherBuyer);
    const res = await writesNothing(() => upload(ret.returnId, [{ fileID: theirs, kind: 'PHOTO' }], otherBuyer));
    expectError(res, 'FORBIDDEN', '这不是您的售后单，无权查看或操作');
    expect(res.error.details).toBeUndefined();
    const unknown = await writesNothing(() => upload('R20200101123456789012', [{ fileID: theirs, kind: 'PHOTO' }], otherBuyer));
    expectError(unknown, 'NOT_FOUND', '售后单不存在');
  });

  it('missing, wrong type, kind mismatch, too large → EVIDENCE_INVALID with every problem; nothing written', async () => {
    const ret = await openReturn('S-UE4');
    const real = await file(DEMO.buyer);
    const missing = real.replace(/ue-\d+\.jpg$/, 'gone.jpg');
    const text = await file(DEMO.buyer, Buffer.from('plain text pretending to be a photo'));
    const jpegAsVideo = await file(DEMO.buyer, jpeg());
    const videoAsPhoto = await file(DEMO.buyer, mp4(), 'mp4');
    const big = await file(DEMO.buyer, jpeg(10 * 1024 * 1024 + 1));
    const res = await writesNothing(() =>
      upload(ret.returnId, [
        { fileID: missing, kind: 'PHOTO' },
        { fileID: text, kind: 'PHOTO' },
        { fileID: jpegAsVideo, kind: 'VIDEO' },
        { fileID: videoAsPhoto, kind: 'PHOTO' },
        { fileID: big, kind: 'PHOTO' },
      ]),
    );
    expectError(res, 'EVIDENCE_INVALID', '凭证文件不存在或已被删除，请重新上传');
    expect(res.error.details.problems).toEqual([
      { fileID: missing, code: 'NOT_FOUND', message: '凭证文件不存在或已被删除，请重新上传' },
      { fileID: text, code: 'BAD_TYPE', message: '图片凭证须为 JPG、PNG、GIF、WEBP 或 HEIC 格式' },
      { fileID: jpegAsVideo, code: 'BAD_TYPE', message: '视频凭证须为 MP4 或 MOV 格式' },
      { fileID: videoAsPhoto, code: 'BAD_TYPE', message: '图片凭证须为 JPG、PNG、GIF、WEBP 或 HEIC 格式' },
      { fileID: big, code: 'TOO_LARGE', message: '凭证文件不能超过 10MB' },
    ]);
    // one bad file refuses the whole call: the good one is not attached either
    const good = await file(DEMO.buyer);
    const partly = await writesNothing(() =>
      upload(ret.returnId, [
        { fileID: good, kind: 'PHOTO' },
        { fileID: text, kind: 'PHOTO' },
      ]),
    );
    expectError(partly, 'EVIDENCE_INVALID', '图片凭证须为 JPG、PNG、GIF、WEBP 或 HEIC 格式');
  });

  it('content check: an image refused by imgSecCheck (87014) → EVIDENCE_INVALID; a check outage → EVIDENCE_INVALID (retry later)', async () => {
    const risky = await file(DEMO.buyer);
    await scriptOpenApi({ 'security.imgSecCheck': [{ errCode: 87014, errMsg: 'risky content' }] });
    const res = await writesNothing(() => upload(ret.returnId, [{ fileID: risky, kind: 'PHOTO' }]));
    expectError(res, 'EVIDENCE_INVALID', '图片内容未通过安全检测，请更换图片');
    expect(res.error.details.problems).toEqual([{ fileID: risky, code: 'UNSAFE', message: '图片内容未通过安全检测，请更换图片' }]);
    const call = (await h.outbox()).filter((r: any) => r.api === 'security.imgSecCheck').at(-1);
    expect(call).toMatchObject({ function: 'uploadEvidence', openid: DEMO.buyer, result: { errCode: 87014, scripted: true } });

    await scriptOpenApi({ 'security.imgSecCheck': [{ systemError: -601001 }] });
    const down = await writesNothing(() => upload(ret.returnId, [{ fileID: risky, kind: 'PHOTO' }]));
    expectError(down, 'EVIDENCE_INVALID', '图片安全检测暂时不可用，请稍后重试');
    expect(down.error.details.problems[0]).toMatchObject({ code: 'CHECK_FAILED' });

    // the script is used up: the same image passes now, and the timeline shows it
    const okNow = await upload(ret.returnId, [{ fileID: risky, kind: 'PHOTO' }]);
    expect(okNow.ok).toBe(true);
    expect(okNow.data.return.timeline.at(-1)).toMatchObject({ action: 'addEvidence', evidence: [risky] });
    ret = okNow.data.return;
  });

  it("at most 9 files per side: the buyer's 10th → EVIDENCE_INVALID (TOO_MANY), nothing written; staff keep their own room", async () => {
    const buyerFiles = () => ret.evidence.filter((e: any) => e.by.role === 'BUYER').length;
    const have = buyerFiles();
    expect(have).toBeLessThan(9);
    expect(ret.evidence.length).toBeGreaterThan(have); // staff files from the test above
    const fill: { fileID: string; kind: string }[] = [];
    for (let i = have; i < 9; i++) fill.push({ fileID: await file(DEMO.buyer), kind: 'PHOTO' });
    const tenth = await file(DEMO.buyer);
    const over = await writesNothing(() => upload(ret.returnId, [...fill, { fileID: tenth, kind: 'PHOTO' }]));
    const message = `买家在每个售后单最多上传 9 个凭证，已上传 ${have} 个`;
    expectError(over, 'EVIDENCE_INVALID', message);
    expect(over.error.details.problems.every((p: any) => p.code === 'TOO_MANY')).toBe(true);

    const full = await upload(ret.returnId, fill);
    expect(full.ok).toBe(true);
    ret = full.data.return;
    expect(buyerFiles()).toBe(9);
    expect(ret.evidenceRoom).toBe(0); // the buyer's side is full
    const staffView = await h.call('queryReturns', { action: 'get', returnId: ret.returnId }, merchant);
    expect(staffView.data.return.evidenceRoom).toBe(9 - ret.evidence.filter((e: any) => e.by.role !== 'BUYER').length);
    const more = await writesNothing(() => upload(ret.returnId, [{ fileID: tenth, kind: 'PHOTO' }]));
    const fullMessage = '买家在每个售后单最多上传 9 个凭证，已上传 9 个';
    expectError(more, 'EVIDENCE_INVALID', fullMessage);
    expect(more.error.details.problems).toEqual([{ fileID: tenth, code: 'TOO_MANY', message: fullMessage }]);
    // a file already attached is still fine (nothing to add)
    const same = await writesNothing(() => upload(ret.returnId, [{ fileID: fill[0].fileID, kind: 'PHOTO' }]));
    expect(same.ok).toBe(true);
    // the merchant still has room of their own
    const staffFile = await file(DEMO.merchant);
    const byStaff = await upload(ret.returnId, [{ fileID: staffFile, kind: 'PHOTO' }], merchant);
    expect(byStaff.ok).toBe(true);
    expect(byStaff.data.return.evidence.at(-1)).toMatchObject({ fileID: staffFile, by: { role: 'MERCHANT' } });
    ret = byStaff.data.return;
  });

  it('what was checked is what is shown later: overwriting or deleting the uploaded file changes nothing', async () => {
    const r = await openReturn('S-UE9');
    const path = `evidence/${DEMO.buyer}/swap.jpg`;
    const original = jpeg(2500);
    const fileID = await h.upload(path, original);
    const res = await upload(r.returnId, [{ fileID, kind: 'PHOTO' }]);
    expect(res.ok).toBe(true);
    const stored = (await returnDoc(r.returnId)).evidence[0];
    expect(stored).toMatchObject({ fileID, sha256: createHash('sha256').update(original).digest('hex') });
    expect(stored.lockedFileID).toMatch(/\/evidence-locked\/[0-9a-f]{64}\.jpg$/);

    await h.upload(path, Buffer.from('<html><script>alert(1)</script></html>')); // the buyer overwrites it afterwards
    const view = (await h.call('queryReturns', { action: 'get', returnId: r.returnId }, merchant)).data.return;
    const served = Buffer.from(await (await fetch(view.evidence[0].tempFileURL)).arrayBuffer());
    expect(served.equals(original)).toBe(true);
  });

  it('a terminal after-sale → INVALID_STATE, nothing written', async () => {
    const r = await openReturn('S-UE2');
    const c = await h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: r.returnId }, buyer);
    expect(c.data.return.status).toBe('CANCELLED');
    const f = await file(DEMO.buyer);
    const res = await writesNothing(() => upload(r.returnId, [{ fileID: f, kind: 'PHOTO' }]));
    expectError(res, 'INVALID_STATE', '售后单已结束，不能再补充凭证');
    const mf = await file(DEMO.merchant);
    const staff = await writesNothing(() => upload(r.returnId, [{ fileID: mf, kind: 'PHOTO' }], merchant));
    expectError(staff, 'INVALID_STATE', '售后单已结束，不能再补充凭证');
  });

  it('evidence added while the after-sale moves on keeps the transitions working (version bump, ledger)', async () => {
    const r = await openReturn('S-UE3');
    const f = await file(DEMO.buyer);
    expect((await upload(r.returnId, [{ fileID: f, kind: 'PHOTO' }])).ok).toBe(true);
    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: r.returnId }, merchant);
    expect(approved.ok).toBe(true);
    expect(approved.data.return.status).toBe('AWAITING_SHIPMENT');
    expect(approved.data.return.evidence.map((e: any) => e.fileID)).toEqual([f]);
    // the timer's next pass (every minute) writes the order's summary
    await sweep();
    const order = (await h.db('orders')).find((o: any) => o._id === 'S-UE3');
    expect(order.afterSale.L1).toMatchObject({ returnId: r.returnId, status: 'AWAITING_SHIPMENT' });
  });
});
