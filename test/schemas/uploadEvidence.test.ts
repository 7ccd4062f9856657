import { uploadEvidenceSchema } from '../../cloudfunctions/core/schemas';
import { FILE, FILE2, RET, RID, USER_INFO, ok, rejectsAt } from './helpers';

const input = {
  requestId: RID,
  returnId: RET,
  files: [
    { fileID: FILE, kind: 'PHOTO' },
    { fileID: FILE2, kind: 'WAYBILL' },
  ],
};

describe('uploadEvidence schema', () => {
  test('valid input parses, userInfo dropped', () => {
    expect(ok(uploadEvidenceSchema, { ...input, ...USER_INFO })).toEqual(input);
  });

  test('all kinds', () => {
    for (const kind of ['PHOTO', 'VIDEO', 'WAYBILL', 'OTHER']) ok(uploadEvidenceSchema, { ...input, files: [{ fileID: FILE, kind }] });
  });

  test.each([
    ['requestId', { requestId: undefined }],
    ['returnId', { returnId: 'R2026' }],
    ['files', { files: [] }],
    ['files', { files: Array.from({ length: 10 }, (_, i) => ({ fileID: `${FILE}${i}`, kind: 'PHOTO' })) }],
    ['files.0.kind', { files: [{ fileID: FILE, kind: 'AUDIO' }] }],
    ['files.0.fileID', { files: [{ fileID: 'http://x/y.jpg', kind: 'PHOTO' }] }],
    [
      'files.1.fileID',
      {
        files: [
          { fileID: FILE, kind: 'PHOTO' },
          { fileID: FILE, kind: 'VIDEO' },
        ],
      },
    ],
  ])('rejects bad %s', (path, patch) => {
    rejectsAt(uploadEvidenceSchema, { ...input, ...patch }, path);
  });

  test('9 files is the maximum accepted', () => {
    ok(uploadEvidenceSchema, { ...input, files: Array.from({ length: 9 }, (_, i) => ({ fileID: `${FILE}${i}`, kind: 'PHOTO' })) });
  });
});
