/**
 * A worked example of a consumer of the after-sale events (deployed as the
 * `afterSaleEvents` function; name it in `settings.events.function`). It is
 * the shop's code: copy it, change what your stock and order list need.
 *
 * - `aftersale.goods_received`: the returned units go back into stock
 *   (`skus/<skuId>.stock += quantity`; the line's skuId is read from the order).
 * - 换货: an event whose `stock.op` is `exchangeShipped` takes the replacement
 *   out of stock (`skus/<skuId>.stock -= quantity`). This example keeps
 *   `stock` as what is on the shelf, so reservations (`exchangeReserved` /
 *   `exchangeReleased`) change nothing here; a stock system that sets
 *   reservations aside keeps them per after-sale (replace, not add).
 * - `aftersale.refunded`: the shop's order list shows it
 *   (`orders/<orderId>.refundedTotal += amount`).
 * - every event is listed on its order (`afterSaleEvents [{ id, type, at }]`),
 *   in the order received.
 * Each write is applied once per event id, whatever the deliveries: the
 * document itself carries the ids it applied and the update matches only if
 * the id is not among them (at-least-once delivery, exactly-once effect).
 * Only other functions (SOURCE `scf`) may call it: events from a
 * mini-program would be forged.
 */
import { z } from 'zod';
import { AppError, ok, type Envelope } from '../../core/runtime/envelope';
import type { Caller } from '../../core/runtime/shell';
import { command, database, findById } from '../../core/data/db';
import { AFTER_SALE_EVENT_TYPES } from '../../core/machine/events';

const eventSchema = z.object({
  id: z.string().min(1),
  type: z.enum(AFTER_SALE_EVENT_TYPES),
  at: z.unknown(),
  returnId: z.string(),
  orderId: z.string(),
  lines: z.array(z.object({ lineId: z.string(), quantity: z.number().int().positive(), amount: z.number().int().nonnegative() })),
  amount: z.number().int().nonnegative(),
  stock: z
    .object({
      op: z.enum(['exchangeReserved', 'exchangeShipped', 'exchangeReleased']),
      skus: z.array(z.object({ skuId: z.string().min(1), quantity: z.number().int().positive() })),
    })
    .optional(),
});
const inputSchema = z.object({ events: z.array(eventSchema).min(1) });

function fromServer(caller: Caller): boolean {
  const chain = caller.source.split(',');
  return chain[chain.length - 1] === 'scf';
}

/** Apply `data` to the document once per event id (`applied` lists the ids it carries). */
async function once(collection: string, id: string, eventId: string, data: Record<string, unknown>): Promise<boolean> {
  const _ = command();
  const res = await database()
    .collection(collection)
    .where({ _id: id, appliedEventIds: _.neq(eventId) })
    .update({ data: { ...data, appliedEventIds: _.push([eventId]) } });
  return res?.stats?.updated === 1;
}

export async function afterSaleEvents(event: Record<string, unknown>, caller: Caller): Promise<Envelope> {
  if (!fromServer(caller)) throw new AppError('FORBIDDEN', '仅接受售后系统发出的事件');
  const parsed = inputSchema.safeParse(event);
  if (!parsed.success) throw new AppError('INVALID_ARGUMENT', '事件格式不正确', { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  const _ = command();
  let applied = 0;
  for (const e of parsed.data.events) {
    const listed = await once('orders', e.orderId, e.id, {
      afterSaleEvents: _.push([{ id: e.id, type: e.type, returnId: e.returnId }]),
      ...(e.type === 'aftersale.refunded' ? { refundedTotal: _.inc(e.amount) } : {}),
    });
    if (listed) applied++;
    if (e.type === 'aftersale.goods_received') {
      const order = await findById<{ lines?: { lineId: string; skuId?: string }[] }>('orders', e.orderId);
      for (const l of e.lines) {
        const skuId = order?.lines?.find((x) => x.lineId === l.lineId)?.skuId;
        if (skuId) await once('skus', skuId, e.id, { stock: _.inc(l.quantity) });
      }
    }
    if (e.stock?.op === 'exchangeShipped') {
      for (const k of e.stock.skus) await once('skus', k.skuId, e.id, { stock: _.inc(-k.quantity) });
    }
  }
  return ok({ received: parsed.data.events.length, applied });
}
