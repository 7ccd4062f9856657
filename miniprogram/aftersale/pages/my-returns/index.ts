/**
 * 我的售后: the buyer's after-sales (queryReturns list, scope mine), newest
 * first, paged. A caller with a staff role (queryReturns whoami) also gets the
 * 售后工作台 entry; buyers never see it.
 */
import { api, INITIAL_STATE, loadInto, type ReturnSummary } from '../../utils/api';
import { countdown, shopTime, clock } from '../../utils/format';
import { reasonLabel, summaryFields, typeLabel, unitCount } from '../../utils/views';
import { whoami } from '../../utils/session';

export function summaryRow(s: ReturnSummary, now = clock.now()) {
  const cd = s.deadline ? countdown(s.deadline, now) : null;
  return {
    ...summaryFields(s),
    typeLabel: typeLabel(s.type),
    reasonLabel: reasonLabel(s.reason),
    countText: `共 ${unitCount(s)} 件`,
    /** An exchange moves no money (unless converted to a refund): 换货商品 instead of 退款 ¥0.00. */
    moneyText: s.type === 'EXCHANGE' && !s.refundAmount ? '换同款其他规格，不涉及退款' : '',
    createdText: shopTime(s.createdAt),
    deadlineText: cd ? cd.text : '',
  };
}

Component({
  data: {
    state: { ...INITIAL_STATE },
    items: [] as ReturnType<typeof summaryRow>[],
    nextCursor: null as string | null,
    loadingMore: false,
    /** The caller has a staff role: show the 售后工作台 entry. */
    staff: false,
  },

  methods: {
    onLoad() {
      this.reload();
      this.checkStaff();
    },

    /** 重新加载 after a failed load (a tap handler of its own: the tap event is not reload's `quiet`). */
    onRetry() {
      this.reload();
      this.checkStaff();
    },

    async checkStaff() {
      const me = await whoami().catch(() => null);
      if (me) this.setData({ staff: me.roles.length > 0 });
    },

    onStaffEntry() {
      wx.navigateTo({ url: '../staff-queue/index' });
    },

    onShow() {
      if (this.data.items.length) this.reload(true);
    },

    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh());
    },

    async reload(quiet = false) {
      const res = quiet
        ? await api.list({ scope: 'mine', limit: 20 }).catch(() => null)
        : await loadInto(
            this,
            () => api.list({ scope: 'mine', limit: 20 }),
            (r) => !r.items.length,
          );
      if (!res) return;
      this.setData({ items: res.items.map((s) => summaryRow(s)), nextCursor: res.nextCursor });
    },

    async onReachBottom() {
      if (!this.data.nextCursor || this.data.loadingMore) return;
      this.setData({ loadingMore: true });
      try {
        const res = await api.list({ scope: 'mine', limit: 20, cursor: this.data.nextCursor });
        this.setData({ items: [...this.data.items, ...res.items.map((s) => summaryRow(s))], nextCursor: res.nextCursor });
      } catch {
        /* keep what we have */
      } finally {
        this.setData({ loadingMore: false });
      }
    },

    onOpen(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `../return-detail/index?returnId=${e.currentTarget.dataset.id}` });
    },
  },
});
