/**
 * The demo shop's home (main package): the entries a shop puts on its own
 * pages — 我的售后 for buyers, 售后工作台 for staff — open the after-sales
 * subpackage (aftersale/). On the shop's order page, each line carries
 * <aftersale-entry> (components/aftersale-entry).
 */
Component({
  methods: {
    onMyReturns() {
      wx.navigateTo({ url: '/aftersale/pages/my-returns/index' });
    },
    onStaff() {
      wx.navigateTo({ url: '/aftersale/pages/staff-queue/index' });
    },
    onOrder(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/aftersale/pages/order-detail/index?orderId=${e.currentTarget.dataset.id}` });
    },
  },
});
