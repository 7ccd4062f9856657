/**
 * 订单详情 (the after-sale part of it): the order's lines, each with its
 * after-sale status and an entry — 申请售后 when the line has no open
 * after-sale, 查看售后 when it has one.
 *
 * Where the data comes from (decision): the order belongs to the shop, and no
 * function returns orders. The lines come from page options `lines` when the
 * shop's own order page passes them (URL-encoded JSON), else from getOrder()
 * (utils/orders.ts: the `orders` collection read with a buyer-only security
 * rule; the emulator in local mode). The per-line status comes from the
 * functions: queryReturns list (scope mine) filtered by orderId — never from
 * the order's own afterSale summary, so it is what the after-sale really is.
 * Options: orderId, lines? (JSON).
 */
import { api, INITIAL_STATE, loadInto, type ReturnSummary } from '../../utils/api';
import { getOrder, linesFromOptions, ORDER_STATUS_LABELS, type Order, type OrderLine } from '../../utils/orders';
import { shopTime, statusTone, yuan } from '../../utils/format';
import { packageRoot } from '../../utils/nav';
import { OPEN_STATUSES } from '../../shared/contract';

const OPEN = new Set<string>(OPEN_STATUSES);

async function returnsOfOrder(orderId: string): Promise<ReturnSummary[]> {
  const out: ReturnSummary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 5; page++) {
    const res = await api.list({ scope: 'mine', limit: 50, ...(cursor ? { cursor } : {}) });
    out.push(...res.items.filter((r) => r.orderId === orderId));
    if (!res.nextCursor) break;
    cursor = res.nextCursor;
  }
  return out;
}

export function lineRows(lines: OrderLine[], returns: ReturnSummary[]) {
  return lines.map((l) => {
    const mine = returns.filter((r) => r.lines.some((x) => x.lineId === l.lineId));
    // The open after-sale if there is one, else the latest.
    const current = mine.find((r) => OPEN.has(r.status)) ?? mine[0] ?? null;
    const open = !!current && OPEN.has(current.status);
    const returned = mine.filter((r) => r.status === 'REFUNDED').reduce((n, r) => n + (r.lines.find((x) => x.lineId === l.lineId)?.quantity ?? 0), 0);
    return {
      lineId: l.lineId,
      title: l.title,
      image: l.image ?? '',
      meta: `× ${l.quantity}${returned ? ` · 已退 ${returned} 件` : ''}`,
      priceText: yuan(l.paidAmount),
      afterSale: current
        ? { returnId: current.returnId, status: current.status, statusLabel: current.statusLabel, tone: statusTone(current.status), phrase: current.nextActor?.phrase ?? '' }
        : null,
      canApply: (!open || !!current?.reapplicable) && returned < l.quantity,
      applyText: open && current?.reapplicable ? '重新申请' : '申请售后',
    };
  });
}

Component({
  data: {
    state: { ...INITIAL_STATE },
    orderId: '',
    /** Where this package is mounted (from the page's own route), for the entry component's links. */
    root: 'aftersale',
    order: null as null | { statusText: string; paidText: string; shippingText: string },
    rows: [] as ReturnType<typeof lineRows>,
  },

  methods: {
    onLoad(options: Record<string, string | undefined>) {
      this.setData({ orderId: options.orderId ?? '', root: packageRoot(this) });
      this.reload(linesFromOptions(options.lines));
    },

    onShow() {
      if (this.data.rows.length) this.reload(null, true);
    },

    async reload(passed: OrderLine[] | null = null, quiet = false) {
      const id = this.data.orderId;
      const load = async () => {
        const [order, returns] = await Promise.all([passed ? Promise.resolve(null) : getOrder(id), returnsOfOrder(id)]);
        return { order, returns };
      };
      const res = quiet ? await load().catch(() => null) : await loadInto(this, load);
      if (!res) return;
      const order = res.order as Order | null;
      this.setData({
        order: order
          ? { statusText: ORDER_STATUS_LABELS[order.status] ?? order.status, paidText: order.paidAt ? shopTime(order.paidAt) : '', shippingText: yuan(order.shippingFee) }
          : this.data.order,
        rows: lineRows(order ? order.lines : (passed ?? []), res.returns),
      });
    },
  },
});
