/**
 * The WeChat Pay adapter: the only place that calls cloudPay.refund and
 * cloudPay.queryRefund, and classifies their answers (./classify.ts). Money
 * goes back only through the payment it came from: a call names the original
 * out_trade_no and nothing else.
 */
import { sdk } from '../../runtime/shell';
import { classifyRefundQuery, classifyRefundSubmit, type QueryClassification, type SubmitClassification } from './classify';
import type { ShopSettings } from '../settings';

export { REFUND_ARRIVAL_HINT, processingRecheck, retryBackoff } from './classify';
export type { QueryClassification, SubmitClassification } from './classify';

export interface RefundCall {
  outRefundNo: string;
  outTradeNo: string;
  totalFee: number;
  refundFee: number;
  returnId: string;
}

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

function envId(): string | undefined {
  const ctx = sdk().getWXContext() as Record<string, string | undefined>;
  return ctx.ENV || process.env.TCB_ENV || undefined;
}

/** The SDK's cloudPay (platform.md "WeChat Pay through cloudPay"); its typings do not declare it. */
interface CloudPay {
  refund(params: Record<string, unknown>): Promise<unknown>;
  queryRefund(params: Record<string, unknown>): Promise<unknown>;
}

function cloudPay(): CloudPay {
  return (sdk() as unknown as { cloudPay: CloudPay }).cloudPay;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String((err as { errMsg?: string })?.errMsg ?? err));
}

/** Submit one refund; answers the classified outcome and the raw answer (kept in the record's history). */
export async function refundCall(call: RefundCall, settings: ShopSettings): Promise<{ classified: SubmitClassification; raw: unknown }> {
  let resp: unknown;
  try {
    resp = await cloudPay().refund({
      functionName: settings.pay.callbackFunction,
      envId: envId(),
      sub_mch_id: settings.pay.subMchId,
      nonce_str: nonce(),
      out_trade_no: call.outTradeNo,
      out_refund_no: call.outRefundNo,
      total_fee: call.totalFee,
      refund_fee: call.refundFee,
      refund_desc: `售后退款 ${call.returnId}`,
    });
  } catch (err) {
    resp = asError(err);
  }
  return { classified: classifyRefundSubmit(resp), raw: resp instanceof Error ? { error: resp.message } : resp };
}

/** Ask the platform what became of a refund. */
export async function queryRefundCall(outRefundNo: string, settings: ShopSettings): Promise<QueryClassification> {
  let resp: unknown;
  try {
    resp = await cloudPay().queryRefund({ sub_mch_id: settings.pay.subMchId, nonce_str: nonce(), out_refund_no: outRefundNo });
  } catch (err) {
    resp = asError(err);
  }
  return classifyRefundQuery(resp, outRefundNo);
}

/** The query could not confirm a final outcome yet (the platform is still working on it, or did not answer). */
export function notConfirmed(q: QueryClassification): boolean {
  return q.status === 'UNKNOWN' || q.status === 'PROCESSING';
}
