/** 我的售后: the buyer's after-sales (queryReturns list, scope mine), newest first, paged. */
import { api, INITIAL_STATE, loadInto, type ReturnSummary } from '../../utils/api';
import { countdown, shopTime, statusTone, yuan, clock } from '../../utils/format';
import { RETURN_TYPE_LABELS, REASONS } from '../../shared/contract';

export function summaryRow(s: ReturnSummary, now = clock.now()) {
  const cd = s.deadline ? countdown(s.deadline, now) : null;
  return {
    returnId: s.returnId,
    orderId: s.orderId,
    statusLabel: s.statusLabel,
    tone: statusTone(s.status),
    typeLabel: RETURN_TYPE_LABELS[s.type as keyof typeof RETURN_TYPE_LABELS] ?? s.type,
    reasonLabel: REASONS[s.reason as keyof typeof REASONS]?.label ?? s.reason,
    phrase: s.nextActor?.phrase ?? '',
    countText: `共 ${s.lines.reduce((n, l) => n + l.quantity, 0)} 件`,
    refundText: yuan(s.refundAmount),
    createdText: shopTime(s.createdAt),
    deadlineText: cd ? cd.text : '',
    overdue: !!s.overdue,
    dueToday: !!s.dueToday && !s.overdue,
  };
}

Component({
  data: {
    state: { ...INITIAL_STATE },
    items: [] as ReturnType<typeof summaryRow>[],
    nextCursor: null as string | null,
    loadingMore: false,
  },

  methods: {
    onLoad() {
      this.reload();
    },

    onShow() {
      if (this.data.items.length) this.reload(true);
    },

    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh());
    },

    async reload(quiet = false) {
      const res = quiet ? await api.list({ scope: 'mine', limit: 20 }).catch(() => null) : await loadInto(this, () => api.list({ scope: 'mine', limit: 20 }), (r) => !r.items.length);
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
      wx.navigateTo({ url: `/pages/return-detail/index?returnId=${e.currentTarget.dataset.id}` });
    },
  },
});
