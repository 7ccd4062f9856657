/**
 * What the mini-program shares with the functions, bundled by
 * scripts/miniprogram/build-contract.mjs into miniprogram/aftersale/shared/contract.js
 * (pages cannot import files outside miniprogramRoot). Pure data and the zod
 * input schemas, so the pages validate forms with the very rules and Chinese
 * messages the functions apply.
 */
export { REASONS, REASON_CODES, RETURN_TYPE_LABELS } from '../../cloudfunctions/core/policy/reasons';
export { STATUSES, ALL_STATUSES, OPEN_STATUSES } from '../../cloudfunctions/core/machine/statuses';
export { ACTION_LABELS, PROPOSAL_KINDS } from '../../cloudfunctions/core/machine/transitions';
export { CARRIER_FORMATS, checkPickupSlot, checkTrackingNo } from '../../cloudfunctions/core/policy/logistics';
export { CARRIERS, selfShipSchema, pickupSchema } from '../../cloudfunctions/core/schemas/submitLogistics';
export {
  returnAddressSchema,
  rejectSchema,
  confirmReceiptSchema,
  refuseReceiptSchema,
  decideSchema,
  approveSchema,
  proposeSchema,
  reshipSchema,
  convertToRefundSchema,
  staffMessageSchema,
} from '../../cloudfunctions/core/schemas/reviewReturn';
export {
  applyNewReturnSchema,
  modifyReturnSchema,
  appealReturnSchema,
  previewReturnSchema,
  answerProposalSchema,
  confirmExchangeSchema,
  buyerMessageSchema,
} from '../../cloudfunctions/core/schemas/applyReturn';
export { markOfflineSchema } from '../../cloudfunctions/core/schemas/executeRefund';
export { validateInput } from '../../cloudfunctions/core/schemas/issues';
export { REQUEST_ID_RE, MAX_DESCRIPTION, MAX_EVIDENCE, MAX_MESSAGE, MAX_MESSAGE_PHOTOS } from '../../cloudfunctions/core/schemas/common';
export type { ReasonCode, ReturnStatus, ReturnType, Role, FreightPayer } from '../../cloudfunctions/core/policy/types';
export type { ErrorCode } from '../../cloudfunctions/core/runtime/envelope';
/** 换货: queryReturns exchangeOptions answers `{ lines: LineOptions[] }`; applyReturn preview's `exchange`. */
export type { LineOptions as ExchangeLineOptions, ExchangeOption } from '../../cloudfunctions/core/policy/exchange/options';
export type { ExchangePreview } from '../../cloudfunctions/core/policy/preview';

// Response types: what the functions answer, as the pages receive it (JSON: Dates arrive as ISO strings).
import type { returnView } from '../../cloudfunctions/core/app/view';
/** A value after JSON: Date → string, recursively. */
export type Jsonified<T> = T extends Date ? string : T extends (infer U)[] ? Jsonified<U>[] : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;
/** queryReturns get / every mutation's `data.return` (cloudfunctions/core/app/view.ts returnView). */
export type ReturnViewData = Jsonified<ReturnType<typeof returnView>>;
