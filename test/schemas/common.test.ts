import { z } from 'zod';
import { evidenceFiles, fileID, phone, requestedLines, requestId, returnId, description } from '../../cloudfunctions/core/schemas';
import { FILE, FILE2 } from './helpers';

const wrap = (s: z.ZodType) => z.object({ v: s });
const valid = (s: z.ZodType, v: unknown) => wrap(s).safeParse({ v }).success;

describe('shared fields', () => {
  test('requestId: 8–64 of [0-9A-Za-z_-]', () => {
    for (const v of ['abcdefgh', 'A1_-b2C3', 'x'.repeat(64), '0123456789']) expect(valid(requestId, v)).toBe(true);
    for (const v of ['abcdefg', 'x'.repeat(65), 'abc def gh', 'abcdefgh!', '请求编号请求编号', 12345678, undefined]) expect(valid(requestId, v)).toBe(false);
  });

  test('requestId messages', () => {
    const r1 = wrap(requestId).safeParse({ v: 'short' });
    expect(!r1.success && r1.error.issues[0].message).toContain('requestId 格式不正确');
    const r2 = wrap(requestId).safeParse({});
    expect(!r2.success && r2.error.issues[0].message).toBe('缺少 requestId');
  });

  test('returnId: R + yyyymmdd + digits', () => {
    for (const v of ['R202603010001', 'R202603011']) expect(valid(returnId, v)).toBe(true);
    for (const v of ['R20260301', 'r202603010001', 'R2026-03-01-1', 'X202603010001', ' R202603010001', 'R202603010001a', '']) expect(valid(returnId, v)).toBe(false);
  });

  test('fileID: cloud:// only', () => {
    expect(valid(fileID, FILE)).toBe(true);
    for (const v of ['https://x/a.jpg', 'cloud://', '/tmp/a.jpg', 42]) expect(valid(fileID, v)).toBe(false);
  });

  test('evidence: ≤ 9 distinct fileIDs', () => {
    expect(valid(evidenceFiles, [])).toBe(true);
    expect(
      valid(
        evidenceFiles,
        Array.from({ length: 9 }, (_, i) => `${FILE}${i}`),
      ),
    ).toBe(true);
    expect(
      valid(
        evidenceFiles,
        Array.from({ length: 10 }, (_, i) => `${FILE}${i}`),
      ),
    ).toBe(false);
    expect(valid(evidenceFiles, [FILE, FILE2, FILE])).toBe(false);
  });

  test('description ≤ 500 (trimmed)', () => {
    expect(valid(description, '有划痕'.repeat(166))).toBe(true);
    expect(valid(description, 'x'.repeat(501))).toBe(false);
    expect(wrap(description).parse({ v: '  破损  ' })).toEqual({ v: '破损' });
  });

  test('lines: 1..50 of {lineId, quantity int ≥ 1}, no duplicates', () => {
    expect(valid(requestedLines, [{ lineId: 'L1', quantity: 1 }])).toBe(true);
    expect(
      valid(
        requestedLines,
        Array.from({ length: 50 }, (_, i) => ({ lineId: `L${i}`, quantity: 1 })),
      ),
    ).toBe(true);
    expect(
      valid(
        requestedLines,
        Array.from({ length: 51 }, (_, i) => ({ lineId: `L${i}`, quantity: 1 })),
      ),
    ).toBe(false);
    expect(valid(requestedLines, [])).toBe(false);
    expect(valid(requestedLines, [{ lineId: 'L1', quantity: 0 }])).toBe(false);
    expect(valid(requestedLines, [{ lineId: 'L1', quantity: 1.5 }])).toBe(false);
    expect(valid(requestedLines, [{ lineId: 'L1', quantity: '1' }])).toBe(false);
    expect(valid(requestedLines, [{ lineId: '', quantity: 1 }])).toBe(false);
    expect(
      valid(requestedLines, [
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L1', quantity: 1 },
      ]),
    ).toBe(false);
  });

  test('phone: Chinese mobile or landline', () => {
    for (const v of ['13812345678', '19912345678', '021-12345678', '02112345678', '0755-1234567', '010-12345678-123']) expect(valid(phone, v)).toBe(true);
    for (const v of ['12812345678', '1381234567', '138123456789', '12345', '+8613812345678x', 'abc']) expect(valid(phone, v)).toBe(false);
  });
});
