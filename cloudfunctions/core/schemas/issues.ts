/**
 * INVALID_ARGUMENT details: `formatZodIssues(error)` turns zod issues into
 * `{ path, message }` with Chinese messages. Messages set on the schemas
 * (already Chinese) are kept; zod's default (English) messages are replaced by
 * a Chinese one built from the issue code and a label for the field.
 * `path` is dot-joined ("lines.0.quantity"); the root is "".
 */
import type { z } from 'zod';

export interface IssueDetail {
  path: string;
  message: string;
}

const LABELS: Record<string, string> = {
  action: '操作 action',
  mode: '寄回方式 mode',
  requestId: 'requestId',
  returnId: '售后单号 returnId',
  orderId: '订单号 orderId',
  type: '售后类型 type',
  reason: '原因 reason',
  description: '问题描述',
  lines: '退款商品',
  lineId: '商品行 lineId',
  quantity: '退款数量',
  evidence: '凭证',
  files: '文件',
  fileID: '文件 fileID',
  kind: '文件类型 kind',
  carrier: '快递公司 carrier',
  trackingNo: '快递单号',
  postage: '寄回运费',
  pickup: '上门取件信息',
  name: '联系人',
  phone: '联系电话',
  address: '地址',
  slotStart: '预约取件开始时间',
  slotEnd: '预约取件结束时间',
  note: '备注',
  returnAddress: '退货地址',
  refundAmount: '退款金额',
  decision: '裁决结果 decision',
  scope: '查询范围 scope',
  status: '状态 status',
  cursor: '分页游标 cursor',
  limit: '每页数量 limit',
  outRefundNo: 'outRefundNo',
  refundStatus: 'refundStatus',
};

const TYPE_NAMES: Record<string, string> = {
  string: '文字',
  number: '数字',
  int: '整数',
  boolean: '布尔值',
  object: '对象',
  array: '列表',
  date: '时间',
};

const CJK = /[\u3400-\u9fff]/;

/** A space between Latin/digits and Chinese ("缺少 requestId", "limit 不能大于 50"). */
function spaced(msg: string): string {
  return msg.replace(/([A-Za-z0-9)\]])(?=[\u3400-\u9fff])/g, '$1 ').replace(/([\u3400-\u9fff])(?=[A-Za-z0-9(\[])/g, '$1 ');
}

function labelOf(path: readonly PropertyKey[]): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i];
    if (typeof seg === 'string') return LABELS[seg] ?? seg;
  }
  return '请求参数';
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.');
}

function chineseMessage(issue: z.core.$ZodIssue): string {
  const label = labelOf(issue.path);
  const any = issue as unknown as Record<string, unknown>;
  switch (issue.code) {
    case 'invalid_type': {
      if (/received undefined/.test(issue.message)) return `缺少${label}`;
      return `${label}类型不正确，应为${TYPE_NAMES[String(any.expected)] ?? String(any.expected)}`;
    }
    case 'too_small': {
      const min = Number(any.minimum);
      if (any.origin === 'string') return min <= 1 ? `${label}不能为空` : `${label}不能少于 ${min} 个字符`;
      if (any.origin === 'array' || any.origin === 'set') return `${label}至少需要 ${min} 项`;
      return any.inclusive === false ? `${label}必须大于 ${min}` : `${label}不能小于 ${min}`;
    }
    case 'too_big': {
      const max = Number(any.maximum);
      if (any.origin === 'string') return `${label}不能超过 ${max} 个字符`;
      if (any.origin === 'array' || any.origin === 'set') return `${label}最多 ${max} 项`;
      return any.inclusive === false ? `${label}必须小于 ${max}` : `${label}不能大于 ${max}`;
    }
    case 'invalid_format':
      return `${label}格式不正确`;
    case 'invalid_value': {
      const values = Array.isArray(any.values) ? (any.values as unknown[]).map(String).join(' / ') : '';
      return values ? `${label}无效，可选值：${values}` : `${label}无效`;
    }
    case 'invalid_union': {
      const options = Array.isArray(any.options) ? (any.options as unknown[]).map(String).join(' / ') : '';
      return options ? `${label}无效，可选值：${options}` : `${label}不正确`;
    }
    case 'not_multiple_of':
      return `${label}必须是 ${String(any.divisor)} 的倍数`;
    case 'unrecognized_keys':
      return `不支持的字段：${Array.isArray(any.keys) ? (any.keys as unknown[]).join(', ') : ''}`;
    default:
      return `${label}不正确`;
  }
}

/** `{ path, message }` per issue, Chinese messages, for INVALID_ARGUMENT `details.issues`. */
export function formatZodIssues(error: { issues: readonly z.core.$ZodIssue[] }): IssueDetail[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: CJK.test(issue.message) ? issue.message : spaced(chineseMessage(issue)),
  }));
}

export type ValidationResult<T> = { ok: true; data: T } | { ok: false; error: { code: 'INVALID_ARGUMENT'; message: string; details: { issues: IssueDetail[] } } };

/** safeParse into the api.md envelope shape (no throw). */
export function validateInput<S extends z.ZodType>(schema: S, input: unknown): ValidationResult<z.output<S>> {
  const res = schema.safeParse(input);
  if (res.success) return { ok: true, data: res.data };
  const issues = formatZodIssues(res.error);
  return {
    ok: false,
    error: { code: 'INVALID_ARGUMENT', message: issues[0] ? `请求参数不正确：${issues[0].message}` : '请求参数不正确', details: { issues } },
  };
}
