/**
 * Orders through the shop's adapter. The policy and amounts code sees only the
 * product's order view (policy/types.ts `Order`, domain.md's shape); the shop's
 * own documents are turned into it by an adapter the shop keeps in
 * cloudfunctions/shop/orderAdapter.ts (bundled into the functions), chosen by
 * name in `settings.orderAdapter` (default `documented`).
 */
import type { Order } from '../policy/types';
import { AppError } from '../runtime/envelope';
import { OrderShapeError } from './errors';
import { DEFAULT_ORDER_ADAPTER, ORDER_ADAPTERS } from '../../shop/orderAdapter';

export { OrderShapeError } from './errors';

/** What the product keeps of an order: the view, plus the fields it mirrors onto the shop's document. */
export interface OrderView extends Order {
  afterSale?: Order['afterSale'];
}

export interface OrderAdapter {
  /** The shop's order document → the product's order view. Throws OrderShapeError naming the field it cannot read. */
  toOrder(doc: Record<string, unknown>): Order;
}

export function adapterNamed(name: string | undefined): OrderAdapter {
  const key = name || DEFAULT_ORDER_ADAPTER;
  const adapter = (ORDER_ADAPTERS as Record<string, OrderAdapter>)[key];
  if (!adapter) throw new AppError('INTERNAL', `订单适配器「${key}」不存在，请检查 settings.orderAdapter`, { cause: 'ORDER_ADAPTER_UNKNOWN', adapter: key });
  return adapter;
}

/**
 * The product's view of a stored order. An order the adapter cannot read is
 * INTERNAL with the field in details (logged once), never a guess.
 */
export function readOrder(raw: Record<string, unknown>, adapterName?: string): OrderView {
  try {
    const order = adapterNamed(adapterName).toOrder(raw) as OrderView;
    // The summary the product mirrors onto the shop's document is read back as it was written.
    if (raw.afterSale && typeof raw.afterSale === 'object') order.afterSale = raw.afterSale as OrderView['afterSale'];
    // A first-release ledger kept on the order document (read once, to migrate).
    if (raw.afterSaleReturns && typeof raw.afterSaleReturns === 'object') (order as OrderView & { afterSaleReturns?: unknown }).afterSaleReturns = raw.afterSaleReturns;
    return order;
  } catch (err) {
    if (!(err instanceof OrderShapeError)) throw err;
    console.error(JSON.stringify({ level: 'error', msg: 'order not readable by the adapter', orderId: raw._id, field: err.field, error: err.message }));
    throw new AppError('INTERNAL', `订单数据无法识别（${err.field}），请联系商家处理`, { cause: 'ORDER_UNREADABLE', orderId: raw._id, field: err.field, problem: err.message });
  }
}
