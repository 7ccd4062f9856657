/**
 * 换货 options of an order line: the shop's SKUs of the same product at the
 * same unit price with stock (the picker lists only these; the line's own SKU
 * is offered too: a faulty item may be swapped for a new one of the same
 * size). Pure.
 */
import type { OrderLine, Sku } from '../types';
import { replacementRefusal } from '../eligibility/rules/replacement';

export interface ExchangeOption {
  skuId: string;
  title: string;
  attrs: Record<string, string>;
  price: number;
  /** The SKU the buyer has now. */
  current: boolean;
}

export interface LineOptions {
  lineId: string;
  /** Why the line has nothing to offer (no productId: not exchangeable; nothing in stock at the same price). */
  unavailable: string | null;
  options: ExchangeOption[];
  /** SKUs of the product left out because their price differs (said to the buyer: return and order again). */
  otherPrices: number;
}

export function exchangeOptions(line: OrderLine, skus: readonly Sku[]): LineOptions {
  const ofProduct = line.productId ? skus.filter((s) => s.productId === line.productId) : [];
  const options = ofProduct
    .filter((s) => !replacementRefusal(line, s, 1))
    .map((s) => ({ skuId: s._id, title: s.title, attrs: { ...s.attrs }, price: s.price, current: s._id === line.skuId }))
    .sort((a, b) => a.title.localeCompare(b.title, 'zh-CN') || a.skuId.localeCompare(b.skuId));
  const otherPrices = ofProduct.filter((s) => s.price !== line.unitPrice).length;
  let unavailable: string | null = null;
  if (!line.productId) unavailable = '该商品不支持换货，可申请退货退款';
  else if (!options.length) unavailable = '暂无同价且有货的规格可换，可申请退货退款';
  return { lineId: line.lineId, unavailable, options, otherPrices };
}
