/**
 * <aftersale-entry>: the after-sales entry of one order line, for the shop's
 * own order page (copy components/aftersale-entry/ into your main package).
 *
 *   <aftersale-entry order-id="{{order._id}}" line-id="{{line.lineId}}"
 *                    summary="{{afterSaleByLine[line.lineId]}}" />
 *
 * - `summary`: `{ returnId, status }` of the line's latest after-sale, as the
 *   functions mirror it on your order document (`order.afterSaleLines`, or
 *   `order.afterSale[key]`); none → the line has no after-sale.
 * - Shows the status in Chinese and 查看售后, or 申请售后 when no after-sale of
 *   the line is open (`can-apply` overrides it; `apply-text` renames it).
 * - `root`: where the after-sales subpackage is mounted (default `aftersale`).
 * The functions decide eligibility; this only opens the package's pages.
 */
const { STATUS_LABELS, OPEN_STATUSES } = require('./labels.js') as { STATUS_LABELS: Record<string, string>; OPEN_STATUSES: string[] };

interface Summary {
  returnId: string;
  status: string;
  statusLabel?: string;
  phrase?: string;
  /** Colour class of the status tag (the package's pages pass theirs). */
  tone?: string;
}

function view(summary: Summary | null, canApply: boolean | null, applyText: string) {
  const open = !!summary && OPEN_STATUSES.includes(summary.status);
  return {
    label: summary ? (summary.statusLabel ?? STATUS_LABELS[summary.status] ?? summary.status) : '',
    tone: !summary ? '' : (summary.tone ?? (summary.status === 'REFUNDED' || summary.status === 'EXCHANGED' ? 'as-done' : open ? 'as-open' : 'as-muted')),
    phrase: summary?.phrase ?? '',
    showApply: canApply ?? !open,
    applyLabel: applyText || '申请售后',
  };
}

Component({
  options: { addGlobalClass: true },
  properties: {
    orderId: { type: String, value: '' },
    lineId: { type: String, value: '' },
    summary: { type: Object, value: null as unknown as Record<string, unknown> },
    canApply: { type: null, value: null },
    applyText: { type: String, value: '' },
    root: { type: String, value: 'aftersale' },
  },
  data: { v: view(null, null, '') },
  observers: {
    'summary, canApply, applyText'(summary: Summary | null, canApply: boolean | null, applyText: string) {
      this.setData({ v: view(summary && summary.returnId ? summary : null, typeof canApply === 'boolean' ? canApply : null, applyText) });
    },
  },
  methods: {
    base(): string {
      return `/${String(this.data.root || 'aftersale').replace(/^\/+|\/+$/g, '')}/pages`;
    },
    onView() {
      const s = this.data.summary as unknown as Summary | null;
      if (s?.returnId) wx.navigateTo({ url: `${this.base()}/return-detail/index?returnId=${encodeURIComponent(s.returnId)}` });
    },
    onApply() {
      wx.navigateTo({ url: `${this.base()}/apply/index?orderId=${encodeURIComponent(this.data.orderId)}&lineId=${encodeURIComponent(this.data.lineId)}` });
    },
  },
});
