/**
 * The demo shop seeded by `npm start` when the database is empty (and used by
 * tests): staff, shop settings, and orders covering the cases of domain.md.
 * Dates are relative to `nowMs` (the emulator clock).
 */
const DAY = 86_400_000;

export const DEMO = {
  buyer: 'o_demo_buyer',
  otherBuyer: 'o_demo_buyer_2',
  merchant: 'o_demo_merchant',
  arbiter: 'o_demo_arbiter',
  admin: 'o_demo_admin',
} as const;

export const DEMO_RETURN_ADDRESS = { name: '示例小店售后部', phone: '13800000000', address: '上海市浦东新区示例路 88 号 3 楼 售后仓' };

/**
 * The demo shop's carrier account, bound in 物流助手 (what logistics.getAllAccount
 * lists): in `settings.logistics.accounts`, and seeded into the emulator's bound
 * accounts (POST /_local/logistics/accounts) by `npm start` and the tests.
 */
export const DEMO_CARRIER_ACCOUNTS = [{ delivery_id: 'SF', biz_id: 'SF_DEMO_SHOP', status_code: 0, alias: '示例小店顺丰月结' }];

function iso(ms: number): { $date: string } {
  return { $date: new Date(ms).toISOString() };
}

function pay(outTradeNo: string, amount: number, paidAt: number, kind: 'FULL' | 'DEPOSIT' | 'BALANCE' = 'FULL') {
  return { outTradeNo, transactionId: `42000${outTradeNo.replace(/\D/g, '').padStart(23, '0')}`, channel: 'WECHAT_PAY', amount, paidAt: iso(paidAt), kind };
}

/**
 * The demo shop's catalogue (`skus`, maintained by the shop): a T-shirt in two
 * colours × S/M/L/XL (black XL sold out; the 2XL costs more, so it cannot be an
 * exchange), and running shoes in 40–44 (44 sold out).
 */
export function demoSkus(): Record<string, unknown>[] {
  const tee = ['S', 'M', 'L', 'XL'].flatMap((size) =>
    [
      ['W', '白色'],
      ['B', '黑色'],
    ].map(([c, colour]) => ({
      _id: `SKU-TEE-${c}-${size}`,
      productId: 'P-TEE',
      title: `纯棉圆领T恤 ${colour} ${size}`,
      attrs: { 颜色: colour, 尺码: size },
      price: 5900,
      stock: c === 'B' && size === 'XL' ? 0 : 20,
    })),
  );
  const bigTee = { _id: 'SKU-TEE-W-2XL', productId: 'P-TEE', title: '纯棉圆领T恤 白色 2XL（加大码）', attrs: { 颜色: '白色', 尺码: '2XL' }, price: 6900, stock: 5 };
  const shoes = [40, 41, 42, 43, 44].map((size) => ({
    _id: `SKU-SHOE-${size}`,
    productId: 'P-SHOE',
    title: `轻跑运动鞋 ${size}码`,
    attrs: { 尺码: String(size) },
    price: 39900,
    stock: size === 44 ? 0 : 8,
  }));
  return [...tee, bigTee, ...shoes];
}

export function demoSeed(nowMs: number): Record<string, Record<string, unknown>[]> {
  const t = (days: number) => nowMs - days * DAY;
  const orders = [
    {
      _id: 'O1001', // paid, not shipped: refund only
      buyerOpenid: DEMO.buyer,
      status: 'PAID',
      paidAt: iso(t(1)),
      shippingFee: 800,
      payments: [pay('T1001', 16800, t(1))],
      lines: [
        { lineId: 'L1', skuId: 'SKU-TEE-W-M', productId: 'P-TEE', title: '纯棉圆领T恤 白色 M', quantity: 2, unitPrice: 5900, paidAmount: 10000 },
        { lineId: 'L2', skuId: 'SKU-SOCK', title: '运动袜 三双装', quantity: 1, unitPrice: 6000, paidAmount: 6000 },
      ],
    },
    {
      _id: 'O1002', // shipped, not received
      buyerOpenid: DEMO.buyer,
      status: 'SHIPPED',
      paidAt: iso(t(3)),
      shippedAt: iso(t(2)),
      shippingFee: 0,
      payments: [pay('T1002', 29900, t(3))],
      lines: [{ lineId: 'L1', skuId: 'SKU-KETTLE', title: '电热水壶 1.7L', quantity: 1, unitPrice: 29900, paidAmount: 29900 }],
    },
    {
      _id: 'O1003', // received yesterday, 3 units with a discount
      buyerOpenid: DEMO.buyer,
      status: 'RECEIVED',
      paidAt: iso(t(5)),
      shippedAt: iso(t(4)),
      receivedAt: iso(t(1)),
      shippingFee: 1000,
      payments: [pay('T1003', 26000, t(5))],
      lines: [
        { lineId: 'L1', skuId: 'SKU-MUG', title: '陶瓷马克杯（三只装，满减后）', quantity: 3, unitPrice: 3900, paidAmount: 10000 },
        { lineId: 'L2', skuId: 'SKU-BAG', title: '帆布托特包', quantity: 1, unitPrice: 15000, paidAmount: 15000 },
      ],
    },
    {
      _id: 'O1004', // received 8 days ago: no-reason window closed, quality window open
      buyerOpenid: DEMO.buyer,
      status: 'RECEIVED',
      paidAt: iso(t(12)),
      shippedAt: iso(t(10)),
      receivedAt: iso(t(8)),
      shippingFee: 0,
      payments: [pay('T1004', 45900, t(12))],
      lines: [{ lineId: 'L1', skuId: 'SKU-EARBUDS', title: '蓝牙耳机', quantity: 1, unitPrice: 45900, paidAmount: 45900 }],
    },
    {
      _id: 'O1005', // presale: deposit + balance
      buyerOpenid: DEMO.buyer,
      status: 'SHIPPED',
      paidAt: iso(t(20)),
      shippedAt: iso(t(2)),
      shippingFee: 0,
      payments: [pay('T1005A', 10000, t(20), 'DEPOSIT'), pay('T1005B', 89900, t(6), 'BALANCE')],
      lines: [{ lineId: 'L1', skuId: 'SKU-PRESALE-COAT', title: '羽绒服（预售，定金膨胀）', quantity: 1, unitPrice: 109900, paidAmount: 99900 }],
    },
    {
      _id: 'O1006', // exempt category (fresh) + a line with a confirmed waiver
      buyerOpenid: DEMO.buyer,
      status: 'RECEIVED',
      paidAt: iso(t(4)),
      shippedAt: iso(t(3)),
      receivedAt: iso(t(2)),
      shippingFee: 1200,
      payments: [pay('T1006', 40000, t(4))],
      lines: [
        { lineId: 'L1', skuId: 'SKU-CHERRY', title: '智利车厘子 2斤', quantity: 1, unitPrice: 16800, paidAmount: 15800, category: '生鲜', noReasonExempt: 'FRESH' },
        { lineId: 'L2', skuId: 'SKU-CUSTOM-MUG', title: '定制刻字保温杯', quantity: 2, unitPrice: 12000, paidAmount: 23000, waiverConfirmedAt: iso(t(4)) },
      ],
    },
    {
      _id: 'O1007', // clothing received 2 days ago: 换货 (size / colour) of a T-shirt and shoes
      buyerOpenid: DEMO.buyer,
      status: 'RECEIVED',
      paidAt: iso(t(5)),
      shippedAt: iso(t(4)),
      receivedAt: iso(t(2)),
      shippingFee: 0,
      payments: [pay('T1007', 45800, t(5))],
      lines: [
        { lineId: 'L1', skuId: 'SKU-TEE-W-M', productId: 'P-TEE', title: '纯棉圆领T恤 白色 M', quantity: 1, unitPrice: 5900, paidAmount: 5900 },
        { lineId: 'L2', skuId: 'SKU-SHOE-42', productId: 'P-SHOE', title: '轻跑运动鞋 42码', quantity: 1, unitPrice: 39900, paidAmount: 39900 },
      ],
    },
    {
      _id: 'O1008', // a second clothing order (exchange failure paths)
      buyerOpenid: DEMO.buyer,
      status: 'RECEIVED',
      paidAt: iso(t(4)),
      shippedAt: iso(t(3)),
      receivedAt: iso(t(1)),
      shippingFee: 800,
      payments: [pay('T1008', 12600, t(4))],
      lines: [{ lineId: 'L1', skuId: 'SKU-TEE-B-L', productId: 'P-TEE', title: '纯棉圆领T恤 黑色 L', quantity: 2, unitPrice: 5900, paidAmount: 11800 }],
    },
    {
      _id: 'O2001', // another buyer's order (isolation)
      buyerOpenid: DEMO.otherBuyer,
      status: 'RECEIVED',
      paidAt: iso(t(3)),
      shippedAt: iso(t(2)),
      receivedAt: iso(t(1)),
      shippingFee: 0,
      payments: [pay('T2001', 9900, t(3))],
      lines: [{ lineId: 'L1', skuId: 'SKU-BOOK', title: '手账本', quantity: 1, unitPrice: 9900, paidAmount: 9900 }],
    },
  ];
  return {
    staff: [
      { _id: DEMO.merchant, roles: ['MERCHANT'], name: '店长小王' },
      { _id: DEMO.arbiter, roles: ['ARBITER'], name: '客服主管小李' },
      { _id: DEMO.admin, roles: ['ADMIN'], name: '管理员' },
    ],
    settings: [
      {
        _id: 'shop',
        policy: {},
        templates: { statusChanged: 'TPL_AFTERSALE_STATUS', reminder: 'TPL_AFTERSALE_REMINDER' },
        defaultReturnAddress: DEMO_RETURN_ADDRESS,
        imageCheck: true,
        pay: { subMchId: '1900000109', callbackFunction: 'refundCallback' },
        logistics: { accounts: DEMO_CARRIER_ACCOUNTS.map((a) => ({ deliveryId: a.delivery_id, bizId: a.biz_id })) },
      },
    ],
    orders,
    skus: demoSkus(),
    returns: [],
    refunds: [],
    notifications: [],
    locks: [],
  };
}
