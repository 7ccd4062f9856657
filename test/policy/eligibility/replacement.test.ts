import { checkReplacement } from '../../../cloudfunctions/core/policy/eligibility/rules/replacement';
import { checkExchangeReason } from '../../../cloudfunctions/core/policy/eligibility/rules/exchangeReason';
import { checkEligibility } from '../../../cloudfunctions/core/policy/eligibility';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { Sku } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, makeEligibilityContext, makeLine, makeOrder } from '../fixtures';

const shirt = makeLine({ lineId: 'L1', title: '纯棉T恤 白色 M', skuId: 'TS-W-M', productId: 'P-TEE', quantity: 2, unitPrice: 5000, paidAmount: 9000 });
const order = makeOrder({ status: 'RECEIVED', lines: [shirt, makeLine({ lineId: 'L2', title: '帆布袋', quantity: 1, unitPrice: 3000 })] });
const sku = (id: string, o: Partial<Sku> = {}): Sku => ({ _id: id, productId: 'P-TEE', title: `纯棉T恤 ${id}`, attrs: { 尺码: id }, price: 5000, stock: 5, ...o });

function ctx(skuId: string, skus: Sku[], o: Parameters<typeof makeEligibilityContext>[0] = {}) {
  return makeEligibilityContext({ order, type: 'EXCHANGE', reason: 'SIZE_COLOR', lines: [{ lineId: 'L1', quantity: 2 }], replacements: [{ lineId: 'L1', skuId }], skus, ...o });
}

describe('rule: 换货 replacement', () => {
  it('accepts a SKU of the same product, same price, with stock for the quantity', () => {
    expect(checkReplacement(ctx('L', [sku('L')]))).toEqual([]);
    // the same SKU again (a faulty item for a new one) is a valid replacement
    expect(checkReplacement(ctx('TS-W-M', [sku('TS-W-M')]))).toEqual([]);
  });

  it.each([
    ['REPLACEMENT_NOT_FOUND', 'XL', [] as Sku[]],
    ['REPLACEMENT_OTHER_PRODUCT', 'S40', [sku('S40', { productId: 'P-SHOE' })]],
    ['REPLACEMENT_PRICE_DIFFERS', 'XXL', [sku('XXL', { price: 5500 })]],
    ['REPLACEMENT_OUT_OF_STOCK', 'S', [sku('S', { stock: 1 })]],
    ['REPLACEMENT_OUT_OF_STOCK', 'S', [sku('S', { stock: 0 })]],
  ])('refuses %s, per line, in Chinese', (code, id, skus) => {
    const r = checkReplacement(ctx(id, skus));
    expect(r.map((x) => [x.code, x.lineId])).toEqual([[code, 'L1']]);
    expect(r[0].message).toMatch(CHINESE);
  });

  it('says what to do instead of a SKU at another price: return and order again', () => {
    expect(checkReplacement(ctx('XXL', [sku('XXL', { price: 5500 })]))[0].message).toContain('退货退款后重新下单');
  });

  it('needs a replacement for every requested line, and none for a line not requested', () => {
    const none = makeEligibilityContext({ order, type: 'EXCHANGE', reason: 'SIZE_COLOR', lines: [{ lineId: 'L1', quantity: 1 }], replacements: [], skus: [] });
    expect(checkReplacement(none).map((x) => x.code)).toEqual([C.REPLACEMENT_REQUIRED]);
    const stray = ctx('L', [sku('L')], {
      replacements: [
        { lineId: 'L1', skuId: 'L' },
        { lineId: 'L2', skuId: 'L' },
      ],
    });
    expect(checkReplacement(stray).map((x) => x.code)).toEqual([C.REPLACEMENT_NOT_ALLOWED]);
  });

  it('a line without productId is not exchangeable', () => {
    const plain = makeOrder({ status: 'RECEIVED', lines: [makeLine({ lineId: 'L1', title: '帆布袋', quantity: 1 })] });
    const r = checkReplacement(
      makeEligibilityContext({ order: plain, type: 'EXCHANGE', lines: [{ lineId: 'L1', quantity: 1 }], replacements: [{ lineId: 'L1', skuId: 'X' }], skus: [] }),
    );
    expect(r.map((x) => x.code)).toEqual([C.REPLACEMENT_OTHER_PRODUCT]);
    expect(r[0].message).toContain('退货退款');
  });

  it('other types take no replacement', () => {
    expect(checkReplacement(makeEligibilityContext({ order, type: 'RETURN_REFUND' }))).toEqual([]);
    const r = checkReplacement(makeEligibilityContext({ order, type: 'RETURN_REFUND', replacements: [{ lineId: 'L1', skuId: 'L' }] }));
    expect(r.map((x) => x.code)).toEqual([C.REPLACEMENT_NOT_ALLOWED]);
  });
});

describe('rule: 换货 reason', () => {
  it('refuses NOT_RECEIVED for an exchange only', () => {
    expect(checkExchangeReason(makeEligibilityContext({ type: 'EXCHANGE', reason: 'NOT_RECEIVED' })).map((x) => x.code)).toEqual([C.REASON_INVALID]);
    expect(checkExchangeReason(makeEligibilityContext({ type: 'REFUND_ONLY', reason: 'NOT_RECEIVED' }))).toEqual([]);
    expect(checkExchangeReason(makeEligibilityContext({ type: 'EXCHANGE', reason: 'QUALITY_ISSUE' }))).toEqual([]);
  });
});

describe('eligibility of an exchange', () => {
  it('runs the same windows as a return: size/colour is a no-reason request (7 days after receipt)', () => {
    const late = ctx('L', [sku('L')], { now: new Date(order.receivedAt!.getTime() + 8 * 86_400_000) });
    expect(checkEligibility(late).refusals.map((r) => r.code)).toContain(C.NO_REASON_WINDOW_CLOSED);
    // a quality reason still may, with a photo, within the quality window
    const quality = ctx('L', [sku('L')], { reason: 'QUALITY_ISSUE', evidenceCount: 1, now: new Date(order.receivedAt!.getTime() + 8 * 86_400_000) });
    expect(checkEligibility(quality)).toMatchObject({ eligible: true, refusals: [] });
  });
});
