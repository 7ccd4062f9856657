/**
 * 售后工作台 (staff): queryReturns list scope merchant, filtered by status,
 * soonest deadline first; overdue and due-today rows highlighted. A caller
 * without a staff role gets FORBIDDEN from the function: the 无权限 state.
 */
import { api, INITIAL_STATE, loadInto, subscribeNow, subscriptionState, toast, type ReturnSummary } from '../../utils/api';
import { countdown, shopTime, clock } from '../../utils/format';
import { reasonLabel, summaryFields, typeLabel, unitCount } from '../../utils/views';
import { ALL_STATUSES, STATUSES } from '../../shared/contract';

/**
 * The status filters, from the contract's status table (a status added there
 * gets its filter and label here): first those the shop acts on, then those
 * waiting on the buyer or the system, then the finished ones (a buyer's
 * withdrawal, 已撤销, is no staff work and has none).
 */
const STAFF_ROLES = new Set<string>(['MERCHANT', 'ARBITER', 'ADMIN']);
const staffActs = (s: (typeof ALL_STATUSES)[number]) => STAFF_ROLES.has(STATUSES[s].next.role ?? '');
const FILTERS = [
  { status: '', label: '全部待办' },
  ...[
    ...ALL_STATUSES.filter((s) => !STATUSES[s].terminal && staffActs(s)),
    ...ALL_STATUSES.filter((s) => !STATUSES[s].terminal && !staffActs(s)),
    ...ALL_STATUSES.filter((s) => STATUSES[s].terminal && s !== 'CANCELLED'),
  ].map((s) => ({ status: s, label: STATUSES[s].label })),
];

export function queueRow(s: ReturnSummary, now = clock.now()) {
  const cd = s.deadline ? countdown(s.deadline, now) : null;
  return {
    ...summaryFields(s),
    title: `${typeLabel(s.type)} · ${reasonLabel(s.reason)}`,
    /** An exchange moves no money (unless converted to a refund): no ¥0.00 in the row. */
    refundText: s.type === 'EXCHANGE' && !s.refundAmount ? '换货' : summaryFields(s).refundText,
    countText: `${unitCount(s)} 件`,
    deadlineText: s.deadline ? `截止 ${shopTime(s.deadline)}` : '无处理期限',
    countdownText: cd?.text ?? '',
  };
}

Component({
  data: {
    state: { ...INITIAL_STATE },
    filters: FILTERS,
    status: '',
    items: [] as ReturnType<typeof queueRow>[],
    counts: { overdue: 0, today: 0 },
    nextCursor: null as string | null,
    /** One-time consents left: each allows one staff message (new application, shipped return, refund failure, reminder). */
    alertsLeft: -1,
  },

  methods: {
    onLoad(options: Record<string, string | undefined>) {
      this.setData({ status: options.status ?? '' });
      this.reload();
      this.loadAlerts();
    },

    async loadAlerts() {
      const st = await subscriptionState().catch(() => null);
      if (st) this.setData({ alertsLeft: st.consents.statusChanged ?? 0 });
    },

    /** 接收新售后提醒: a tap = one more message of each accepted template (WeChat's one-time subscriptions). */
    async onSubscribe() {
      const accepted = await subscribeNow('staff');
      await this.loadAlerts();
      toast(accepted.length ? `已订阅，可再接收 ${this.data.alertsLeft} 条提醒` : '未订阅，将不会收到新售后提醒');
    },

    onShow() {
      if (this.data.items.length) this.reload(true);
    },

    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh());
    },

    async reload(quiet = false) {
      const q = { scope: 'merchant' as const, limit: 50, ...(this.data.status ? { status: this.data.status } : {}) };
      const res = quiet
        ? await api.list(q).catch(() => null)
        : await loadInto(
            this,
            () => api.list(q),
            (r) => !r.items.length,
          );
      if (!res) return;
      const now = clock.now();
      const items = res.items.map((s) => queueRow(s, now));
      this.setData({ items, nextCursor: res.nextCursor, counts: { overdue: items.filter((i) => i.overdue).length, today: items.filter((i) => i.dueToday).length } });
    },

    async onReachBottom() {
      if (!this.data.nextCursor) return;
      const q = { scope: 'merchant' as const, limit: 50, cursor: this.data.nextCursor, ...(this.data.status ? { status: this.data.status } : {}) };
      const res = await api.list(q).catch(() => null);
      if (res) this.setData({ items: [...this.data.items, ...res.items.map((s) => queueRow(s))], nextCursor: res.nextCursor });
    },

    onFilter(e: WechatMiniprogram.TouchEvent) {
      const status = String(e.currentTarget.dataset.status ?? '');
      if (status === this.data.status) return;
      this.setData({ status });
      this.reload();
    },

    onOpen(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `../staff-review/index?returnId=${e.currentTarget.dataset.id}` });
    },
  },
});
