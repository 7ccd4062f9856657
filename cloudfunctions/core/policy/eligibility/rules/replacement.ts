/**
 * 换货: every requested line names one replacement SKU of the shop's catalogue
 * (`skus`): of the same product, at the same unit price (another price is out
 * of scope: return and order again), with stock for the quantity. Other types
 * take no replacement.
 */
import type { OrderLine, Refusal, Sku } from '../../types';
import { ELIGIBILITY_CODES as C, findOrderLine, refusal, requestedLines, type EligibilityContext } from '../context';

/** Why `sku` cannot replace `quantity` units of `line` (null: it can). */
export function replacementRefusal(line: OrderLine, sku: Sku | undefined, quantity: number): Refusal | null {
  const name = `「${line.title}」`;
  if (!line.productId) return refusal(C.REPLACEMENT_OTHER_PRODUCT, `${name}不支持换货，可申请退货退款`, line.lineId);
  if (!sku) return refusal(C.REPLACEMENT_NOT_FOUND, `${name}所选的换货规格不存在或已下架，请重新选择`, line.lineId);
  if (sku.productId !== line.productId) return refusal(C.REPLACEMENT_OTHER_PRODUCT, `${name}只能换同一商品的其他尺码或颜色`, line.lineId);
  if (sku.price !== line.unitPrice) {
    return refusal(C.REPLACEMENT_PRICE_DIFFERS, `${name}换货只支持同价规格；「${sku.title}」价格不同，请申请退货退款后重新下单`, line.lineId);
  }
  if (!(Number.isFinite(sku.stock) && sku.stock >= quantity)) {
    return refusal(C.REPLACEMENT_OUT_OF_STOCK, `「${sku.title}」库存不足，暂时无法换货；可选择其他规格，或申请退货退款`, line.lineId);
  }
  return null;
}

/** Units per SKU, in the order the SKUs first appear (two lines may be swapped for the same SKU: its stock must cover both). */
export function unitsPerSku(items: readonly { skuId: string; quantity: number }[]): { skuId: string; quantity: number }[] {
  const out: { skuId: string; quantity: number }[] = [];
  for (const r of items) {
    const seen = out.find((s) => s.skuId === r.skuId);
    if (seen) seen.quantity += r.quantity;
    else out.push({ skuId: r.skuId, quantity: r.quantity });
  }
  return out;
}

export function checkReplacement(ctx: EligibilityContext): Refusal[] {
  const replacements = Array.isArray(ctx.replacements) ? ctx.replacements : [];
  if (ctx.type !== 'EXCHANGE') {
    return replacements.length ? [refusal(C.REPLACEMENT_NOT_ALLOWED, '只有换货需要选择换货规格，请去掉换货规格或选择“换货”')] : [];
  }
  const out: Refusal[] = [];
  const requested = requestedLines(ctx);
  for (const r of replacements) {
    if (!requested.some((l) => l.lineId === r.lineId)) out.push(refusal(C.REPLACEMENT_NOT_ALLOWED, '换货规格对应的商品不在本次申请中', r.lineId));
  }
  // The stock of a SKU must cover every unit that is swapped for it in this request.
  const demand = unitsPerSku(
    requested.flatMap((req) => {
      const chosen = replacements.find((r) => r.lineId === req.lineId);
      return chosen ? [{ skuId: chosen.skuId, quantity: Number.isSafeInteger(req.quantity) && req.quantity > 0 ? req.quantity : 0 }] : [];
    }),
  );
  for (const req of requested) {
    const line = findOrderLine(ctx.order, req.lineId);
    if (!line) continue; // the quantity rule reports unknown lines
    const chosen = replacements.find((r) => r.lineId === req.lineId);
    if (!chosen) {
      out.push(refusal(C.REPLACEMENT_REQUIRED, `请为「${line.title}」选择要换的尺码或颜色`, line.lineId));
      continue;
    }
    const found = replacementRefusal(
      line,
      (ctx.skus ?? []).find((s) => s._id === chosen.skuId),
      Math.max(req.quantity, demand.find((d) => d.skuId === chosen.skuId)?.quantity ?? 0),
    );
    if (found) out.push(found);
  }
  return out;
}
