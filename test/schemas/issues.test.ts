import { z } from 'zod';
import { applyReturnSchema, formatPath, formatZodIssues, inputSchemas, validateInput } from '../../cloudfunctions/core/schemas';
import { RID } from './helpers';

describe('formatZodIssues', () => {
  test('paths are dot-joined, messages Chinese', () => {
    const r = applyReturnSchema.safeParse({ action: 'apply', requestId: 'x', orderId: 'O1', type: 'REFUND_ONLY', reason: 'OTHER', lines: [{ lineId: 'L1', quantity: 0 }] });
    expect(r.success).toBe(false);
    if (r.success) return;
    const issues = formatZodIssues(r.error);
    expect(issues.map((i) => i.path)).toEqual(['requestId', 'lines.0.quantity']);
    expect(issues[0].message).toMatch(/^requestId 格式不正确/);
    for (const i of issues) expect(i.message).toMatch(/[\u4e00-\u9fa5]/);
  });

  test("zod's default English messages are replaced by Chinese ones", () => {
    const s = z.object({
      requestId: z.string(),
      name: z.string().min(1),
      code: z.string().min(3).max(4),
      items: z.array(z.number()).min(1).max(2),
      n: z.number().int().min(1).max(5),
      p: z.number().positive(),
      e: z.enum(['A', 'B']),
      d: z.iso.datetime(),
      m: z.number().multipleOf(5),
      c: z.string().refine(() => false),
    });
    const r = s.safeParse({ name: '', code: 'abcdef', items: [], n: 9, p: 0, e: 'C', d: 'x', m: 3, c: 'x' });
    expect(r.success).toBe(false);
    if (r.success) return;
    const byPath = Object.fromEntries(formatZodIssues(r.error).map((i) => [i.path, i.message]));
    expect(byPath).toEqual({
      requestId: '缺少 requestId',
      name: '联系人不能为空',
      code: 'code 不能超过 4 个字符',
      items: 'items 至少需要 1 项',
      n: 'n 不能大于 5',
      p: 'p 必须大于 0',
      e: 'e 无效，可选值：A / B',
      d: 'd 格式不正确',
      m: 'm 必须是 5 的倍数',
      c: 'c 不正确',
    });
    const r2 = s.pick({ requestId: true }).safeParse({ requestId: 5 });
    expect(!r2.success && formatZodIssues(r2.error)[0]).toEqual({ path: 'requestId', message: 'requestId 类型不正确，应为文字' });
  });

  test('root issues have an empty path', () => {
    const r = z.object({}).safeParse(null);
    expect(!r.success && formatZodIssues(r.error)).toEqual([{ path: '', message: '请求参数类型不正确，应为对象' }]);
    expect(formatPath(['lines', 0, 'quantity'])).toBe('lines.0.quantity');
  });

  test('validateInput returns the INVALID_ARGUMENT envelope error', () => {
    const bad = validateInput(inputSchemas.applyReturn, { action: 'cancel', requestId: RID });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('INVALID_ARGUMENT');
      expect(bad.error.message).toMatch(/请求参数不正确/);
      expect(bad.error.details.issues).toEqual([{ path: 'returnId', message: '缺少售后单号 returnId' }]);
    }
    const good = validateInput(inputSchemas.applyReturn, { action: 'cancel', requestId: RID, returnId: 'R202603010001' });
    expect(good).toEqual({ ok: true, data: { action: 'cancel', requestId: RID, returnId: 'R202603010001' } });
  });

  test('inputSchemas covers every function of api.md', () => {
    expect(Object.keys(inputSchemas).sort()).toEqual(
      ['applyReturn', 'executeRefund', 'queryReturns', 'refundCallback', 'reviewReturn', 'submitLogistics', 'sweepTimeouts', 'uploadEvidence'].sort(),
    );
  });
});
