/**
 * getOrder: the shop's order, read-only. No cloud function returns orders
 * (the shop's order system owns them), so:
 * - cloud mode: the `orders` collection is read directly with
 *   wx.cloud.database(); the shop sets the collection's custom security rule
 *   `{ "read": "doc.buyerOpenid == auth.openid", "write": false }` so a
 *   buyer reads only their own orders;
 * - local mode: the emulator's GET /_local/db/orders (development only).
 * A shop that already has the order on its own page can pass the lines in
 * the page options instead (order-detail `lines`, URL-encoded JSON).
 */
import { config } from '../config';
import { ApiError, ensureCloud } from './api';

export interface OrderLine {
  lineId: string;
  title: string;
  quantity: number;
  unitPrice?: number;
  paidAmount: number;
  image?: string;
  category?: string;
  noReasonExempt?: string;
}

export interface Order {
  orderId: string;
  status: string;
  shippingFee: number;
  paidAt?: string;
  shippedAt?: string;
  receivedAt?: string;
  lines: OrderLine[];
}

export const ORDER_STATUS_LABELS: Record<string, string> = {
  PAID: '待发货',
  SHIPPED: '已发货',
  RECEIVED: '已签收',
  COMPLETED: '已完成',
  CANCELLED: '已取消',
};

function dateOf(v: any): string | undefined {
  if (!v) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v.$date) return String(v.$date);
  return undefined;
}

export function toOrder(doc: any): Order {
  return {
    orderId: doc._id,
    status: doc.status,
    shippingFee: doc.shippingFee ?? 0,
    paidAt: dateOf(doc.paidAt),
    shippedAt: dateOf(doc.shippedAt),
    receivedAt: dateOf(doc.receivedAt),
    lines: (doc.lines ?? []).map((l: any) => ({
      lineId: l.lineId,
      title: l.title,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      paidAmount: l.paidAmount,
      image: l.image,
      category: l.category,
      noReasonExempt: l.noReasonExempt,
    })),
  };
}

function fromLocal(orderId: string): Promise<any> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.local.baseUrl}/_local/db/orders`,
      method: 'GET',
      success: (res: any) => resolve((res.data?.data ?? []).find((o: any) => o._id === orderId) ?? null),
      fail: (err) => reject(new ApiError('NETWORK', err?.errMsg ?? 'request:fail')),
    });
  });
}

async function fromCloud(orderId: string): Promise<any> {
  try {
    ensureCloud();
    const res: any = await wx.cloud.database().collection('orders').doc(orderId).get();
    return res?.data ?? null;
  } catch (err: any) {
    const msg = String(err?.errMsg ?? err);
    if (/not exist|cannot find|not found/i.test(msg)) return null;
    // The security rule lets a buyer read only their own orders.
    if (/permission denied|-502003/i.test(msg)) throw new ApiError('FORBIDDEN', '这不是您的订单，不能申请售后');
    throw new ApiError('NETWORK', msg);
  }
}

export async function getOrder(orderId: string): Promise<Order> {
  const doc = config.mode === 'local' ? await fromLocal(orderId) : await fromCloud(orderId);
  if (!doc) throw new ApiError('NOT_FOUND', '订单不存在');
  return toOrder(doc);
}

/**
 * Goods titles of an order's lines, kept in `cache` under the order id (an
 * after-sale holds line ids only). Best effort: false when the order could
 * not be read, and the cache is left as it was.
 */
export async function cacheLineTitles(cache: Record<string, Record<string, string>>, orderId: string): Promise<boolean> {
  const order = await getOrder(orderId).catch(() => null);
  if (!order) return false;
  cache[order.orderId] = Object.fromEntries(order.lines.map((l) => [l.lineId, l.title]));
  return true;
}

/** Lines passed in page options (URL-encoded JSON array), if any. */
export function linesFromOptions(raw: string | undefined): OrderLine[] | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(decodeURIComponent(raw));
    return Array.isArray(v) ? (v as OrderLine[]) : null;
  } catch {
    return null;
  }
}
