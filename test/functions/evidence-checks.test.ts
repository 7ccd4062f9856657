/**
 * Evidence within security.imgSecCheck's limits (docs/platform-limits.md,
 * "open API"): the function checks exactly the stored bytes; a file over the
 * limits (a phone original) or of a format the check does not take is refused
 * with a Chinese reason before any call; the platform's own 40006 is not a
 * "try again later"; a video is checked through its poster frame.
 */
import { rid, jpeg, mp4, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, buyer } from '../support/functions';

const h = useEmulator();
const { writesNothing, scriptOpenApi, approve, seedOneLineOrder } = fx(h);

let n = 0;
const put = (name: string, content: Buffer) => h.upload(`evidence/${DEMO.buyer}/ec-${++n}-${name}`, content);
const checks = async () => (await h.outbox()).filter((c: any) => c.api === 'security.imgSecCheck');

let returnId = '';
beforeAll(async () => {
  await seedOneLineOrder('OEC1', 1, 20000);
  const res = await h.call(
    'applyReturn',
    { action: 'apply', requestId: rid('apply'), orderId: 'OEC1', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] },
    buyer,
  );
  returnId = res.data.return.returnId;
  await approve(returnId);
});

const attach = (files: { fileID: string; kind: string }[]) => h.call('uploadEvidence', { requestId: rid('ue'), returnId, files }, buyer);

describe('photos', () => {
  it('a 4000 × 3000 original: refused before any check, with what to do', async () => {
    const before = (await checks()).length;
    const fileID = await put('orig.jpg', jpeg(450 * 1024, 4000, 3000));
    const res = await writesNothing(() => attach([{ fileID, kind: 'PHOTO' }]));
    expectError(res, 'EVIDENCE_INVALID', '照片尺寸 4000×3000 超出内容安全检测上限（750×1334），请在小程序内重新选择照片上传（会自动压缩）');
    expect(res.error.details.problems).toEqual([{ fileID, code: 'OVER_CHECK_LIMITS', message: expect.any(String) }]);
    expect(await checks()).toHaveLength(before);
  });

  it('its compressed copy (750 × 562, under 300 KB) passes; the checked bytes are the kept ones', async () => {
    const copy = jpeg(180 * 1024, 750, 562);
    const fileID = await put('compressed.jpg', copy);
    const res = await attach([{ fileID, kind: 'PHOTO' }]);
    expect(res.ok).toBe(true);
    const item = res.data.return.evidence.find((e: any) => e.fileID === fileID);
    expect(item).toMatchObject({ kind: 'PHOTO', size: copy.length, contentType: 'image/jpeg' });
    const last = (await checks()).at(-1);
    expect(last).toMatchObject({ function: 'uploadEvidence', result: { errCode: 0 }, data: { media: { size: copy.length } } });
  });

  it('over 500 KB, HEIC or WEBP: refused with the reason, no check made', async () => {
    const before = (await checks()).length;
    const big = await put('big.jpg', jpeg(600 * 1024, 700, 500));
    const heic = await put('photo.heic', Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(4000)]));
    const webp = await put('photo.webp', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), Buffer.alloc(4000)]));
    const res = await writesNothing(() =>
      attach([
        { fileID: big, kind: 'PHOTO' },
        { fileID: heic, kind: 'PHOTO' },
        { fileID: webp, kind: 'PHOTO' },
      ]),
    );
    expectError(res, 'EVIDENCE_INVALID');
    expect(res.error.details.problems.map((p: any) => [p.code, p.message])).toEqual([
      ['OVER_CHECK_LIMITS', '照片超过 500KB，超出内容安全检测上限，请在小程序内重新选择照片上传（会自动压缩）'],
      ['BAD_TYPE', '照片须为 JPG、PNG 或 GIF 格式，请在小程序内重新选择照片上传（会自动压缩）'],
      ['BAD_TYPE', '照片须为 JPG、PNG 或 GIF 格式，请在小程序内重新选择照片上传（会自动压缩）'],
    ]);
    expect(await checks()).toHaveLength(before);
  });

  it('the platform answering 40006 is a clear refusal, not "try again later"', async () => {
    await scriptOpenApi({ 'security.imgSecCheck': [{ errCode: 40006, errMsg: 'invalid media size' }] });
    const fileID = await put('p40006.jpg', jpeg());
    const res = await writesNothing(() => attach([{ fileID, kind: 'PHOTO' }]));
    expectError(res, 'EVIDENCE_INVALID', '文件超出内容安全检测的限制，请在小程序内重新选择照片上传（会自动压缩）');
  });

  it('a risky photo (87014) is refused', async () => {
    await scriptOpenApi({ 'security.imgSecCheck': [{ errCode: 87014, errMsg: 'risky content' }] });
    const fileID = await put('risky.jpg', jpeg());
    const res = await writesNothing(() => attach([{ fileID, kind: 'PHOTO' }]));
    expectError(res, 'EVIDENCE_INVALID', '图片内容未通过安全检测，请更换图片');
    expect(res.error.details.problems[0].code).toBe('UNSAFE');
  });
});

describe('videos', () => {
  it('without its poster frame: refused (nothing to check)', async () => {
    const fileID = await put('noposter.mp4', mp4());
    const res = await writesNothing(() => attach([{ fileID, kind: 'VIDEO' }]));
    expectError(res, 'EVIDENCE_INVALID', '视频缺少封面，无法进行内容安全检测，请在小程序内重新上传视频');
    expect(res.error.details.problems[0].code).toBe('NO_POSTER');
  });

  it('a risky poster refuses the video; a clean one lets it through, the poster being what was checked', async () => {
    const risky = await put('risky.mp4', mp4());
    await h.upload(`${risky.replace(/^cloud:\/\/[^/]+\//, '')}.poster.jpg`, jpeg(3000));
    await scriptOpenApi({ 'security.imgSecCheck': [{ errCode: 87014, errMsg: 'risky content' }] });
    const refused = await writesNothing(() => attach([{ fileID: risky, kind: 'VIDEO' }]));
    expectError(refused, 'EVIDENCE_INVALID', '视频内容未通过安全检测，请更换视频');

    const clean = await put('clean.mp4', mp4(6000));
    await h.upload(`${clean.replace(/^cloud:\/\/[^/]+\//, '')}.poster.jpg`, jpeg(3100));
    const res = await attach([{ fileID: clean, kind: 'VIDEO' }]);
    expect(res.ok).toBe(true);
    expect(res.data.return.evidence.find((e: any) => e.fileID === clean)).toMatchObject({ kind: 'VIDEO', size: 6000 });
    expect((await checks()).at(-1)).toMatchObject({ result: { errCode: 0 }, data: { media: { size: 3100 } } });
  });

  it('a poster over the limits is refused with the reason', async () => {
    const video = await put('bigposter.mp4', mp4());
    await h.upload(`${video.replace(/^cloud:\/\/[^/]+\//, '')}.poster.jpg`, jpeg(200 * 1024, 1920, 1080));
    const res = await writesNothing(() => attach([{ fileID: video, kind: 'VIDEO' }]));
    expectError(res, 'EVIDENCE_INVALID', '视频封面尺寸 1920×1080 超出内容安全检测上限（750×1334），请在小程序内重新选择照片上传（会自动压缩）');
  });
});
