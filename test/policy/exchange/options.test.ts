import { exchangeOptions } from '../../../cloudfunctions/core/policy/exchange/options';
import { exchangeFreight } from '../../../cloudfunctions/core/policy/exchange/postage';
import type { Sku } from '../../../cloudfunctions/core/policy/types';
import { makeLine } from '../fixtures';

const line = makeLine({ lineId: 'L1', title: '纯棉T恤 白色 M', skuId: 'TEE-M', productId: 'P-TEE', quantity: 1, unitPrice: 5900 });
const sku = (id: string, o: Partial<Sku> = {}): Sku => ({
  _id: id,
  productId: 'P-TEE',
  title: `纯棉T恤 白色 ${id.slice(4)}`,
  attrs: { 尺码: id.slice(4) },
  price: 5900,
  stock: 3,
  ...o,
});

describe('exchange options of a line (the picker)', () => {
  it('offers only SKUs of the same product at the same price with stock, the current one marked', () => {
    const skus = [sku('TEE-S'), sku('TEE-M'), sku('TEE-L', { stock: 0 }), sku('TEE-XL', { price: 6900 }), sku('SHO-40', { productId: 'P-SHOE' })];
    const r = exchangeOptions(line, skus);
    expect(r.options.map((o) => [o.skuId, o.current])).toEqual([
      ['TEE-M', true],
      ['TEE-S', false],
    ]);
    expect(r.otherPrices).toBe(1);
    expect(r.unavailable).toBeNull();
  });

  it('says why nothing can be offered', () => {
    expect(exchangeOptions(line, [sku('TEE-L', { stock: 0 })]).unavailable).toContain('暂无同价且有货');
    expect(exchangeOptions({ ...line, productId: undefined }, [sku('TEE-S')])).toMatchObject({ options: [], unavailable: '该商品不支持换货，可申请退货退款' });
  });
});

describe('exchange postage', () => {
  it('the shop always ships the replacement; the way back follows the reason', () => {
    expect(exchangeFreight('SIZE_COLOR')).toMatchObject({ back: 'BUYER', out: 'SELLER' });
    expect(exchangeFreight('QUALITY_ISSUE')).toMatchObject({ back: 'SELLER', out: 'SELLER' });
    expect(exchangeFreight('QUALITY_ISSUE').text).toContain('上门取件');
  });
});
