/**
 * YOUR ORDER ADAPTER — this file is the shop's: edit it to read your own
 * order documents. The functions bundle it and never read an order any other
 * way (cloudfunctions/core/orders/adapter.ts); policy and amounts see only the
 * product's view (domain.md "Order"). `settings.orderAdapter` names the one in
 * use (default `documented`).
 *
 * To adapt your shape: add an adapter `{ toOrder(doc) }` here (see
 * ./examples/yuanOrders.ts for a worked example: `_openid`, yuan as text, one
 * payment, Chinese statuses, an order-level discount spread over the lines),
 * register it in ORDER_ADAPTERS and set `settings.orderAdapter` to its name.
 * Throw OrderShapeError(field, why) for anything you cannot read: the call is
 * then refused with that field named, and nothing is guessed.
 */
import { documentedOrders } from '../core/orders/documented';
import { yuanOrders } from './examples/yuanOrders';

export const ORDER_ADAPTERS = {
  /** domain.md's shape: fen, buyerOpenid, payments[], lines[] with paidAmount. */
  documented: documentedOrders,
  /** The worked example of ./examples/yuanOrders.ts. */
  yuanExample: yuanOrders,
};

export const DEFAULT_ORDER_ADAPTER: keyof typeof ORDER_ADAPTERS = 'documented';
