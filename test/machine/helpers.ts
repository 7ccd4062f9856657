import type { ReturnStatus, ReturnType, Role } from '../../cloudfunctions/core/policy/types';
import { DEFAULT_POLICY } from '../../cloudfunctions/core/policy/settings';
import type { ActionName, CurrentReturn, TransitionPayload } from '../../cloudfunctions/core/machine/transitions';

export const policy = { ...DEFAULT_POLICY };
export const NOW = new Date('2026-03-10T02:00:00.000Z'); // 2026-03-10 10:00 Asia/Shanghai
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const at = (ms: number) => new Date(NOW.getTime() + ms);

export const ADDRESS = { name: '张三', phone: '13800000000', address: '上海市浦东新区世纪大道1号 售后部' };
export const DEFAULT_ADDRESS = { name: '仓库', phone: '02100000000', address: '杭州市余杭区仓前街道1号' };

export const ROLES: Role[] = ['BUYER', 'MERCHANT', 'ARBITER', 'ADMIN', 'SYSTEM'];
export const TYPES: ReturnType[] = ['REFUND_ONLY', 'RETURN_REFUND', 'EXCHANGE'];

/** Payload that satisfies every input requirement of `action`. */
export function goodPayload(action: ActionName, status?: ReturnStatus | null): TransitionPayload {
  switch (action) {
    case 'reject':
      return { reason: '商品已影响二次销售' };
    case 'refuseReceipt':
      return { evidence: ['cloud://env/evidence/m1/inspect.jpg'], reason: '退回商品与原商品不符' };
    case 'markOffline':
      return { note: '已通过银行转账退款' };
    case 'decide':
      return { decision: 'BUYER', returnAddress: ADDRESS };
    case 'approve':
      return { returnAddress: ADDRESS };
    case 'autoApprove':
      return { defaultReturnAddress: DEFAULT_ADDRESS };
    case 'autoDecide':
      return { decision: 'BUYER', defaultReturnAddress: DEFAULT_ADDRESS };
    case 'reship':
      return { reship: { carrier: 'SF', trackingNo: 'SF1234567890123' } };
    case 'convertToRefund':
      return { reason: '换货商品已售罄' };
    case 'propose':
      return status === 'IN_TRANSIT'
        ? { proposal: { kind: 'LOWER_AFTER_RECEIPT', amount: 500, reason: '外包装破损', evidence: ['cloud://env/evidence/m1/box.jpg'] } }
        : { proposal: { kind: 'PARTIAL_REFUND', amount: 1000, reason: '商品轻微瑕疵，部分退款' } };
    default:
      return {};
  }
}

/** A current return in `status`, whose deadline suits `role` (future for people, past for SYSTEM). */
export function currentIn(status: ReturnStatus | null, type: ReturnType, role: Role, extra: Partial<CurrentReturn> = {}): CurrentReturn {
  return {
    status,
    type,
    version: status ? 3 : 0,
    deadline: status ? (role === 'SYSTEM' ? at(-60_000) : at(HOUR)) : null,
    ...extra,
  };
}

/** A ledger in which the after-sale being decided still holds its own units (appeal and decide read it). */
export const OWN_LEDGER = {
  self: 'R1',
  lines: [{ lineId: 'L1', quantity: 2, title: '商品' }],
  entries: [
    { returnId: 'R1', status: 'REJECTED' as ReturnStatus, lines: [{ lineId: 'L1', quantity: 1 }] },
    { returnId: 'R0', status: 'CANCELLED' as ReturnStatus, lines: [{ lineId: 'L1', quantity: 2 }] },
  ],
};
