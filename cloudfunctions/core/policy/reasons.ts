/** Reasons table (domain.md "After-sale types and reasons"). */
import type { FaultSide, FreightPayer, ReasonCode, ReturnType } from './types';

export interface ReasonInfo {
  code: ReasonCode;
  label: string;
  side: FaultSide;
  /** Seller-side reasons need at least one photo, except NOT_RECEIVED. */
  evidenceRequired: boolean;
}

export const REASONS: Readonly<Record<ReasonCode, ReasonInfo>> = Object.freeze({
  NO_LONGER_WANTED: { code: 'NO_LONGER_WANTED', label: '不想要了', side: 'BUYER', evidenceRequired: false },
  WRONG_ORDER: { code: 'WRONG_ORDER', label: '拍错/多拍', side: 'BUYER', evidenceRequired: false },
  SIZE_COLOR: { code: 'SIZE_COLOR', label: '尺码/颜色不合适', side: 'BUYER', evidenceRequired: false },
  OTHER: { code: 'OTHER', label: '其他', side: 'BUYER', evidenceRequired: false },
  QUALITY_ISSUE: { code: 'QUALITY_ISSUE', label: '质量问题', side: 'SELLER', evidenceRequired: true },
  DAMAGED: { code: 'DAMAGED', label: '破损', side: 'SELLER', evidenceRequired: true },
  WRONG_ITEM: { code: 'WRONG_ITEM', label: '发错货', side: 'SELLER', evidenceRequired: true },
  MISSING_PARTS: { code: 'MISSING_PARTS', label: '少件/漏发', side: 'SELLER', evidenceRequired: true },
  NOT_AS_DESCRIBED: { code: 'NOT_AS_DESCRIBED', label: '与描述不符', side: 'SELLER', evidenceRequired: true },
  NOT_RECEIVED: { code: 'NOT_RECEIVED', label: '未收到货', side: 'SELLER', evidenceRequired: false },
});

export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

export function reasonSide(code: ReasonCode): FaultSide {
  return REASONS[code].side;
}

/** Who pays return shipping: buyer-side reason ⇒ buyer; seller-side ⇒ seller. */
export function freightPayer(code: ReasonCode): FreightPayer {
  return reasonSide(code) === 'BUYER' ? 'BUYER' : 'SELLER';
}

export const RETURN_TYPE_LABELS: Readonly<Record<ReturnType, string>> = Object.freeze({
  REFUND_ONLY: '仅退款',
  RETURN_REFUND: '退货退款',
  EXCHANGE: '换货',
});
