/** Pure amounts module (domain.md "Amounts" and "Freight"). Integer fen only. */
export { AmountInputError } from './errors';
export { UNCOUNTED_STATUSES, countedPriorReturns, lineAlready, lineRefundAmount } from './lineUnits';
export { isUnshipped, shippingRefund } from './shippingFee';
export type { ShippingRefundInput } from './shippingFee';
export { reimbursedPostage, postageRoom } from './postage';
export type { LogisticsMode, PostageInput, PostageRoomInput } from './postage';
export { computeReturnAmounts, addPostage, mergeLines } from './computeReturnAmounts';
export type { ComputeReturnAmountsInput, ComputedReturnAmounts } from './computeReturnAmounts';
export { RefundSplitError, splitAcrossPayments, refundedPerPayment, paymentBalances } from './splitPayments';
export type { RefundSplitErrorCode, PaymentBalance, PaymentShare, RefundRecordLike } from './splitPayments';
export { adjustRefundAmount, formatYuan } from './adjust';
export type { AdjustErrorCode, AdjustResult } from './adjust';
export { settleRefund, settledOthers } from './settle';
export type { RefundPlan, SettleInput, SettleResult, SettledEntry } from './settle';
export { checkMoney } from './guard';
export type { GuardInput, GuardViolation } from './guard';
export { planShares } from './planShares';
export type { PlannedShare, PlanSharesInput } from './planShares';
