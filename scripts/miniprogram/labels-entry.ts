/**
 * What the order-page entry component (miniprogram/components/aftersale-entry)
 * needs of the contract: the Chinese label of each status and which statuses
 * are still open. Bundled to labels.js by build-contract.mjs.
 */
import { STATUSES } from '../../cloudfunctions/core/machine/statuses';

export const STATUS_LABELS: Record<string, string> = Object.fromEntries(Object.values(STATUSES).map((s) => [s.status, s.label]));
export const OPEN_STATUSES: string[] = Object.values(STATUSES)
  .filter((s) => s.open)
  .map((s) => s.status);
