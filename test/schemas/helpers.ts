/** Local helpers for the schema tests. */
import type { z } from 'zod';
import { formatZodIssues, type IssueDetail } from '../../cloudfunctions/core/schemas';

export const RID = 'req_0001-abc';
export const RET = 'R202603010001';
export const FILE = 'cloud://env-1a2b.6465-env-1a2b-1300000000/evidence/openid-1/a.jpg';
export const FILE2 = 'cloud://env-1a2b.6465-env-1a2b-1300000000/evidence/openid-1/b.jpg';

export function ok<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new Error(`expected success, got ${JSON.stringify(formatZodIssues(r.error))}`);
  return r.data;
}

export function issues(schema: z.ZodType, input: unknown): IssueDetail[] {
  const r = schema.safeParse(input);
  if (r.success) throw new Error(`expected failure for ${JSON.stringify(input)}`);
  return formatZodIssues(r.error);
}

/** The input fails, with an issue at exactly `path`, with a Chinese message. */
export function rejectsAt(schema: z.ZodType, input: unknown, path: string): IssueDetail {
  const list = issues(schema, input);
  const hit = list.find((i) => i.path === path);
  if (!hit) throw new Error(`no issue at "${path}": ${JSON.stringify(list)}`);
  expect(hit.message).toMatch(/[\u4e00-\u9fa5]/);
  return hit;
}

export const USER_INFO = { userInfo: { appId: 'wx123', openId: 'forged-openid' } };
