/**
 * The after-sale's outbox (issue 14: a transition is its read and its
 * compare-and-set). Every commit pushes its typed event and sets
 * `outboxPending` in the same compare-and-set; what the event sets off outside
 * the after-sale is done here, by the sweep (every minute), in order:
 *
 * 1. subscribe messages: for the events not noticed yet (`eventsNoticed`),
 *    the buyer is told the latest status someone else moved it to, and the
 *    staff who must act are told the latest status that needs them — unless
 *    that side acted after it (it knows). Each message is idempotent on its
 *    key (app/notify.ts), so a pass that dies half-way never sends one twice;
 * 2. the order's `afterSale` summary and the stored ledger, from the order's
 *    after-sales as they stand (one read; written only when they changed);
 * 3. the shop's event consumer (app/events.ts), in order, at least once.
 * Then one compare-and-set on the version it drained clears the flag (a commit
 * meanwhile leaves it set for the next pass).
 */
import { cas, command } from '../data/db';
import { C } from '../data/collections';
import { refundRunning, STATUSES } from '../machine/statuses';
import { staffWhoActIn } from '../machine/transitions';
import type { AfterSaleEvent, ReturnDoc } from './model';
import type { ShopSettings } from './settings';
import { notify } from './notify';
import { staffWithRoles } from './guards';
import { claim, writeSummary } from './ledger';
import { loadOrderAndLedger } from './returns';
import { deliverEvents } from './events';
import { AppError } from '../runtime/envelope';

/** The buyer's hint per status entered (thing3 ≤ 20 characters). */
const BUYER_HINTS: Readonly<Partial<Record<ReturnDoc['status'], string>>> = Object.freeze({
  NEGOTIATING: '商家提出了协商方案，请及时确认',
  AWAITING_SHIPMENT: '商家已同意，请在期限内寄回商品',
  REJECTED: '商家拒绝了申请，可修改后重新提交或申诉',
  REFUNDING: '退款处理中，将原路退回',
  REFUNDED: '退款成功，款项已原路退回',
  REFUND_FAILED: '退款遇到问题，商家正在处理',
  CLOSED: '售后已关闭',
  DISPUTED: '已申请店铺主管复核，请等待结果',
  AWAITING_RESHIP: '商家已收到退回的商品，将尽快发出换货',
  RESHIPPED: '换货商品已发出，请注意查收并确认收货',
  EXCHANGED: '换货已完成',
});

/** Staff messages by the status an after-sale just entered; who gets them is read from the table (staffWhoActIn). */
const STAFF_HINTS: Readonly<Partial<Record<ReturnDoc['status'], string>>> = Object.freeze({
  PENDING_REVIEW: '有新的售后申请，请及时审核',
  IN_TRANSIT: '买家已寄回商品，请留意签收',
  DISPUTED: '买家申请主管复核，请处理',
  REFUND_FAILED: '退款未能完成，请重试或线下退款',
});

/** The buyer's hint for `event` (a converted exchange says why the replacement is not coming). */
function buyerHint(ret: Pick<ReturnDoc, 'type' | 'offlineRefund'>, event: Pick<AfterSaleEvent, 'to' | 'offline'>): string | undefined {
  if ((event.offline || ret.offlineRefund) && STATUSES[event.to].terminal) return '退款成功，商家已线下退款';
  if (ret.type === 'EXCHANGE' && refundRunning(event.to)) return '换货无法完成，已为您转为退款，将原路退回';
  // Converted and refunded before a message went out: the buyer still hears why the replacement is not coming.
  if (ret.type === 'EXCHANGE' && STATUSES[event.to].refundBound && STATUSES[event.to].terminal) return '换货无法完成，已转退款并原路退回';
  return BUYER_HINTS[event.to];
}

interface PlannedNotice {
  side: 'buyer' | 'staff';
  event: AfterSaleEvent;
  hint: string;
}

/**
 * The messages `events` (not noticed yet, in order) call for: per side, the
 * latest event that has a hint for it, unless that side acted after it.
 * Pure.
 */
function noticesFor(ret: Pick<ReturnDoc, 'type' | 'offlineRefund'>, events: readonly AfterSaleEvent[]): PlannedNotice[] {
  const out: PlannedNotice[] = [];
  const isStaff = (e: AfterSaleEvent) => e.actor !== 'BUYER' && e.actor !== 'SYSTEM';
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.actor === 'BUYER') break;
    const hint = buyerHint(ret, e);
    if (hint) {
      out.push({ side: 'buyer', event: e, hint });
      break;
    }
  }
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (isStaff(e)) break;
    const hint = STAFF_HINTS[e.to];
    if (hint) {
      out.push({ side: 'staff', event: e, hint });
      break;
    }
  }
  return out;
}

const versionOf = (event: AfterSaleEvent): string => event.id.slice(event.id.lastIndexOf(':v') + 2);

/** Send the planned messages (each idempotent on its key); a message never fails the pass. */
async function sendNotices(ret: ReturnDoc, notices: readonly PlannedNotice[], now: Date, settings: ShopSettings): Promise<void> {
  for (const n of notices) {
    const about = { ...ret, status: n.event.to };
    const v = versionOf(n.event);
    try {
      if (n.side === 'buyer') {
        await notify({ key: `${ret._id}:v${v}:status`, kind: 'statusChanged', ret: about, touser: ret.buyerOpenid, hint: n.hint, now, at: new Date(n.event.at), settings });
        continue;
      }
      for (const s of await staffWithRoles(staffWhoActIn(n.event.to), now.getTime())) {
        if (s._id === ret.buyerOpenid) continue;
        await notify({ key: `${ret._id}:v${v}:staff:${s._id}`, kind: 'statusChanged', ret: about, touser: s._id, hint: n.hint, now, at: new Date(n.event.at), settings });
      }
    } catch (err) {
      console.error(JSON.stringify({ level: 'warn', msg: 'notify failed', returnId: ret._id, side: n.side, error: String((err as Error)?.message ?? err) }));
    }
  }
}

/**
 * The order's summary and stored ledger caught up with its after-sales: one
 * read, the ledger's overlay claimed when it changed, the summary written when
 * the order shows an older stamp (summaryStamp). False when another claim got in between (the
 * next pass tries again).
 */
export async function refreshOrder(orderId: string, settings: Pick<ShopSettings, 'orderAdapter'>): Promise<boolean> {
  const found = await loadOrderAndLedger(orderId, settings).catch((err: unknown) => {
    // No such order (the shop removed it): no summary to write, and nothing to wait for.
    if (err instanceof AppError && err.code === 'NOT_FOUND') return null;
    throw err;
  });
  if (!found) return true;
  const { ledger, shownRev, returns } = found;
  if ((ledger.unsaved || ledger.pending) && !(await claim(ledger, {}))) return false;
  await writeSummary(ledger, returns ?? [], shownRev);
  return true;
}

/**
 * Steps 1 and 3 for one after-sale: its messages and its consumer deliveries.
 * True when the consumer has every event (or there is none configured).
 */
export async function sendOutbox(ret: ReturnDoc, now: Date, settings: ShopSettings): Promise<boolean> {
  const events = ret.events ?? [];
  const noticed = Math.min(ret.eventsNoticed ?? 0, events.length);
  if (noticed < events.length) await sendNotices(ret, noticesFor(ret, events.slice(noticed)), now, settings);
  if (!settings.events?.function) return true;
  return (await deliverEvents(ret, now, settings)).reached >= events.length;
}

/**
 * The end of a drain: the events up to what `ret` had are noticed, and the
 * flag is cleared when everything caught up (`done`) and no commit came since.
 */
export async function closeOutbox(ret: ReturnDoc, done: boolean): Promise<boolean> {
  const events = ret.events ?? [];
  const noticed = Math.min(ret.eventsNoticed ?? 0, events.length);
  if (await cas(C.returns, { _id: ret._id, version: ret.version }, { eventsNoticed: events.length, ...(done ? { outboxPending: false } : {}) })) return done;
  // A commit since this pass read it: its event is noticed by the next pass (the flag stays set).
  const _ = command();
  await cas(C.returns, { _id: ret._id, eventsNoticed: noticed === 0 ? _.or(_.exists(false), _.eq(0)) : noticed }, { eventsNoticed: events.length });
  return false;
}
