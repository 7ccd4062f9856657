/**
 * The after-sale event outbox (issue "Drop into an existing shop"). Every
 * committed transition appends a typed event to the after-sale in the same
 * compare-and-set as its timeline (so no change goes unannounced, and none is
 * announced that did not happen); events are delivered at least once, in order
 * per after-sale, to the function the shop names in `settings.events.function`
 * (`{ events: [event] }`, answered `{ ok: true }`), by the sweep's outbox step
 * (app/outbox.ts, every minute). A delivery that fails is retried with backoff; after
 * `settings.events.maxTries` it is given up visibly (logged, kept on the
 * after-sale, shown to staff) and the next event goes on. Each event has a
 * stable id (`<returnId>:v<version>`): consumers de-duplicate on it.
 */
import { sdk } from '../runtime/shell';
import { cas, command } from '../data/db';
import { C } from '../data/collections';
import { eventFor } from '../machine/events';
import type { ActionName } from '../machine/transitions';
import { refundTarget, type AfterSaleEvent, type EventDelivery, type ReturnDoc } from './model';
import type { ReturnStatus, Role } from '../policy/types';
import type { ShopSettings } from './settings';
import { retryBackoff } from './pay';
import { stockRecord } from './exchange';

export type { AfterSaleEvent, EventDelivery } from './model';

export const DEFAULT_MAX_TRIES = 6;

/** The event a committed transition of `ret` (as stored after it) announces. */
export function eventOf(
  ret: Pick<
    ReturnDoc,
    '_id' | 'orderId' | 'buyerOpenid' | 'type' | 'lines' | 'version' | 'amounts' | 'approvedAmount' | 'refundPlan' | 'grantedAmount' | 'offlineRefund' | 'exchange'
  >,
  action: ActionName,
  from: ReturnStatus | null,
  to: ReturnStatus,
  actor: Role,
  at: Date,
): AfterSaleEvent {
  const type = eventFor(action, to);
  const stock = stockRecord(ret, action, from, to);
  return {
    id: `${ret._id}:v${ret.version}`,
    type,
    at,
    returnId: ret._id,
    orderId: ret.orderId,
    buyerOpenid: ret.buyerOpenid,
    returnType: ret.type,
    from,
    to,
    actor,
    lines: (ret.refundPlan?.lines ?? ret.lines).map((l) => ({ lineId: l.lineId, quantity: l.quantity, amount: l.amount })),
    amount: refundTarget(ret),
    ...(action === 'markOffline' ? { offline: true } : {}),
    ...(stock ? { stock } : {}),
  };
}

/**
 * Fields a commit adds to announce `event` (pushed with the timeline, in the
 * same compare-and-set): the event, and the outbox flag the sweep drains
 * (app/outbox.ts: messages, the order's summary, the shop's consumer).
 */
export function eventFields(event: AfterSaleEvent): Record<string, unknown> {
  const _ = command();
  return { events: _.push([event]), outboxPending: true };
}

async function callConsumer(name: string, event: AfterSaleEvent): Promise<string> {
  try {
    const res = (await sdk().callFunction({ name, data: { events: [event] } })) as { result?: { ok?: boolean; error?: string } };
    if (res?.result?.ok === true) return '';
    return `consumer answered ${JSON.stringify(res?.result ?? null).slice(0, 200)}`;
  } catch (err) {
    return String((err as { errMsg?: string })?.errMsg ?? (err as Error)?.message ?? err).slice(0, 200);
  }
}

/**
 * Deliver `ret`'s undelivered events in order, as far as they go now. Every
 * step is a compare-and-set on `eventsDelivered` (two deliverers never skip
 * or reorder one; at worst both deliver it: consumers de-duplicate by id).
 * Answers how many were delivered and how far the deliveries reached (events
 * given up count as passed).
 */
export async function deliverEvents(
  ret: Pick<ReturnDoc, '_id' | 'events' | 'eventsDelivered' | 'eventDelivery'>,
  now: Date,
  settings: ShopSettings,
): Promise<{ delivered: number; reached: number }> {
  const name = settings.events?.function;
  let k = ret.eventsDelivered ?? 0;
  if (!name) return { delivered: 0, reached: k };
  const maxTries = settings.events?.maxTries ?? DEFAULT_MAX_TRIES;
  const events = ret.events ?? [];
  let delivery: EventDelivery = ret.eventDelivery ?? { tries: 0, nextAt: null };
  let delivered = 0;
  while (k < events.length) {
    if (delivery.nextAt && new Date(delivery.nextAt).getTime() > now.getTime()) break;
    const event = events[k];
    const error = await callConsumer(name, event);
    let next: EventDelivery;
    let advance = true;
    if (!error) {
      next = { tries: 0, nextAt: null, ...(delivery.givenUp ? { givenUp: delivery.givenUp } : {}) };
      delivered++;
    } else if (delivery.tries + 1 >= maxTries) {
      console.error(JSON.stringify({ level: 'error', msg: 'after-sale event given up', eventId: event.id, type: event.type, consumer: name, tries: delivery.tries + 1, error }));
      next = { tries: 0, nextAt: null, givenUp: [...(delivery.givenUp ?? []), { id: event.id, error, at: now }] };
    } else {
      next = {
        tries: delivery.tries + 1,
        nextAt: new Date(now.getTime() + retryBackoff(delivery.tries + 1)),
        lastError: error,
        ...(delivery.givenUp ? { givenUp: delivery.givenUp } : {}),
      };
      advance = false;
    }
    const _ = command();
    const to = advance ? k + 1 : k;
    const won = await cas(C.returns, { _id: ret._id, eventsDelivered: k === 0 ? _.or(_.exists(false), _.eq(0)) : k }, { eventsDelivered: to, eventDelivery: _.set(next) });
    if (!won || !advance) break;
    k = to;
    delivery = next;
  }
  return { delivered, reached: k };
}
