/**
 * @jest-environment jsdom
 *
 * A real phone photo (4000 × 3000, 2.4 MB) through evidence end to end: the
 * page compresses it with wx.compressImage to security.imgSecCheck's limits
 * (≤ 750 × 1334 px, ≤ 300 KB JPG) and uploads that copy; the function checks
 * exactly those bytes and keeps them. A video goes with its compressed poster
 * frame, which is what gets checked. A risky photo is refused with the reason.
 */
import { writeFileSync } from 'node:fs';
import { usePages, DEMO } from './support/pages';
import { httpJson } from '../../scripts/miniprogram/wx-shim';
import { syntheticJpeg } from '../../scripts/emulator/openapi/media';
import { tmpFile } from '../support/tmp';

const env = usePages();

function phonePhoto(width = 4000, height = 3000, bytes = 2_400_000): string {
  const file = tmpFile('IMG_0001.jpg');
  writeFileSync(file, syntheticJpeg(width, height, bytes));
  return file;
}

function phoneVideo(): string {
  const file = tmpFile('VID_0001.mp4');
  const b = Buffer.alloc(200_000, 0x22);
  b.writeUInt32BE(24, 0);
  b.write('ftypisom', 4, 'ascii');
  writeFileSync(file, b);
  return file;
}

async function checks(): Promise<any[]> {
  return ((await httpJson(env.emu.url, 'GET', '/_local/outbox')).body.data as any[]).filter((m) => m.api === 'security.imgSecCheck');
}

describe('a 4000 × 3000 phone photo', () => {
  it('is compressed on the phone, checked by the function and attached', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1003', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('质量问题')));
    env.shim.nextMedia = [{ tempFilePath: phonePhoto(), size: 2_400_000, fileType: 'image' }];
    await page.tap('.add-evidence');
    expect(env.shim.compressed).toEqual([expect.objectContaining({ quality: 80, width: 750, height: 562 })]);
    expect(env.shim.compressed[0].bytes).toBeLessThanOrEqual(300 * 1024);
    expect(page.data.evidence).toHaveLength(1);
    const fileID = page.data.evidence[0].fileID;
    await page.tap('.submit-btn');
    const apply = env.shim.calls.find((c) => c.name === 'applyReturn' && c.data.action === 'apply');
    expect(apply?.error ?? null).toBeNull();
    expect(apply?.data.evidence).toEqual([fileID]);
    const returnId = /returnId=(R\d+)/.exec(env.shim.nav.at(-1)?.url ?? '')![1];
    const ret = (await env.emu.db('returns')).find((r: any) => r._id === returnId);
    expect(ret.evidence).toEqual([expect.objectContaining({ fileID, kind: 'PHOTO', contentType: 'image/jpeg', size: env.shim.compressed[0].bytes })]);
    // the bytes WeChat checked are the bytes kept
    const [check] = (await checks()).filter((c) => c.function === 'applyReturn');
    expect(check).toMatchObject({ result: { errCode: 0 }, data: { media: { size: env.shim.compressed[0].bytes } } });
  });

  it('uploaded as is (not through the page) it is refused with the reason, before any check', async () => {
    const before = (await checks()).length;
    const fileID = (
      await httpJson(env.emu.url, 'POST', '/_local/storage', {
        cloudPath: `evidence/${DEMO.buyer}/raw-4000.jpg`,
        contentBase64: syntheticJpeg(4000, 3000, 400_000).toString('base64'),
      })
    ).body.fileID;
    const res = await env.emu.call(
      'applyReturn',
      {
        action: 'apply',
        requestId: `raw-${Date.now()}`,
        orderId: 'O1004',
        type: 'RETURN_REFUND',
        reason: 'QUALITY_ISSUE',
        lines: [{ lineId: 'L1', quantity: 1 }],
        evidence: [fileID],
      },
      { openid: DEMO.buyer },
    );
    expect(res.ok).toBe(false);
    expect(res.error).toMatchObject({ code: 'EVIDENCE_INVALID', message: '照片尺寸 4000×3000 超出内容安全检测上限（750×1334），请在小程序内重新选择照片上传（会自动压缩）' });
    expect(res.error.details.problems).toEqual([expect.objectContaining({ fileID, code: 'OVER_CHECK_LIMITS' })]);
    expect((await checks()).length).toBe(before);
  });
});

describe('a video', () => {
  it('goes with its compressed poster frame, which is what is checked', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1004', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('质量问题')));
    env.shim.nextMedia = [
      { tempFilePath: phonePhoto(3024, 4032, 3_000_000), size: 3_000_000, fileType: 'image' },
      { tempFilePath: phoneVideo(), size: 200_000, fileType: 'video', thumbTempFilePath: phonePhoto(1920, 1080, 500_000) },
    ];
    await page.tap('.add-evidence');
    expect(page.data.evidence.map((e: any) => e.kind)).toEqual(['PHOTO', 'VIDEO']);
    // the portrait photo needed a second, lower quality to fit 300 KB; the poster fitted at once
    expect(env.shim.compressed.map((c) => [c.width, c.height, c.quality])).toEqual([
      [750, 1000, 80],
      [750, 1000, 60],
      [750, 421, 80],
    ]);
    const before = (await checks()).length;
    await page.tap('.submit-btn');
    const apply = env.shim.calls.find((c) => c.name === 'applyReturn' && c.data.action === 'apply');
    expect(apply?.error ?? null).toBeNull();
    const made = (await checks()).slice(before);
    expect(made.map((c) => [c.result.errCode, c.data.media.size])).toEqual([
      [0, env.shim.compressed[1].bytes],
      [0, env.shim.compressed[2].bytes],
    ]);
    // the poster sits beside the video, as the function looks for it
    const files = (await httpJson(env.emu.url, 'GET', `/_local/storage?prefix=evidence/${DEMO.buyer}/`)).body.files as any[];
    const video = page.data.evidence[1].fileID as string;
    expect(files.map((f) => f.fileID)).toEqual(expect.arrayContaining([video, `${video}.poster.jpg`]));
  });
});

describe('a risky photo', () => {
  it('is refused with the reason; nothing is attached', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1002', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('质量问题')));
    env.shim.nextMedia = [{ tempFilePath: phonePhoto(), size: 2_400_000, fileType: 'image' }];
    await page.tap('.add-evidence');
    await httpJson(env.emu.url, 'POST', '/_local/openapi', { 'security.imgSecCheck': [{ errCode: 87014, errMsg: 'risky content' }] });
    await page.tap('.submit-btn');
    const apply = env.shim.calls.find((c) => c.name === 'applyReturn' && c.data.action === 'apply');
    expect(apply).toBeDefined();
    expect(env.shim.toasts.at(-1)).toBe('图片内容未通过安全检测，请更换图片');
    expect((await env.emu.db('returns')).filter((r: any) => r.orderId === 'O1002')).toEqual([]);
  });
});
