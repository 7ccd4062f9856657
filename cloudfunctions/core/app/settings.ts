/**
 * Shop settings: the policy overrides, subscribe-message templates and the
 * default return address live in one `settings` document (_id "shop").
 * Read once per warm process and kept for SETTINGS_TTL_MS (per environment,
 * runtime/instance-cache.ts): a change takes effect within a minute, and
 * invocations save a database round trip.
 */
import { findById } from '../data/db';
import { InstanceCache } from '../runtime/instance-cache';
import { currentEnvId } from '../runtime/shell';
import { C } from '../data/collections';
import { resolvePolicy } from '../policy/settings';
import type { Policy } from '../policy/types';

export const SETTINGS_DOC_ID = 'shop';
export const SETTINGS_TTL_MS = 60_000;

export type ReturnAddress = {
  name: string;
  phone: string;
  /** The full address as shown to the buyer; the courier booking also needs it structured. */
  address: string;
  province?: string;
  city?: string;
  area?: string;
};

/** A carrier account the shop bound in 物流助手 (logistics.getAllAccount: delivery_id, biz_id). */
export interface CarrierAccount {
  deliveryId: string;
  bizId: string;
  /** service_type / service_name of logistics.addOrder (default 0 标准快递). */
  serviceType?: number;
  serviceName?: string;
}

export interface ShopSettings {
  policy: Policy;
  /** Subscribe-message template ids by purpose; missing ⇒ messages recorded as skipped. */
  templates: { statusChanged?: string; reminder?: string };
  defaultReturnAddress?: ReturnAddress;
  /** Content check of buyer images with security.imgSecCheck. */
  imageCheck: boolean;
  /** WeChat Pay through cloudPay: the sub-merchant id and the function that receives refund results. */
  pay: { subMchId: string; callbackFunction: string };
  /** Which order adapter of cloudfunctions/shop/orderAdapter.ts reads the shop's orders (default `documented`). */
  orderAdapter?: string;
  /** Where the mini-program's after-sales package is mounted (subscribe messages open its pages); default `aftersale`. */
  pagesRoot: string;
  /** How buyers reach the shop (联系商家): a phone number, and whether WeChat customer service (button open-type="contact") is set up. */
  contact?: { phone?: string; customerService?: boolean };
  /** After-sale events: the shop's function that receives them (none: events are kept, not delivered) and tries before giving one up. */
  events?: { function?: string; maxTries?: number };
  /** Courier pickup (logistics.addOrder) through the shop's bound carrier account(s), in order of preference; none ⇒ no pickup. */
  logistics: { accounts: CarrierAccount[] };
}

const cache = new InstanceCache<ShopSettings>(SETTINGS_TTL_MS);

export function settingsFromDoc(doc: Record<string, any> | null): ShopSettings {
  return {
    policy: resolvePolicy(doc?.policy ?? doc),
    templates: { ...(doc?.templates ?? {}) },
    defaultReturnAddress: doc?.defaultReturnAddress,
    imageCheck: doc?.imageCheck !== false,
    pay: { subMchId: String(doc?.pay?.subMchId ?? ''), callbackFunction: String(doc?.pay?.callbackFunction ?? 'refundCallback') },
    ...(typeof doc?.orderAdapter === 'string' ? { orderAdapter: doc.orderAdapter } : {}),
    pagesRoot: typeof doc?.pagesRoot === 'string' ? doc.pagesRoot : 'aftersale',
    ...(doc?.contact && typeof doc.contact === 'object'
      ? {
          contact: {
            ...(typeof doc.contact.phone === 'string' && doc.contact.phone ? { phone: doc.contact.phone } : {}),
            ...(doc.contact.customerService === true ? { customerService: true } : {}),
          },
        }
      : {}),
    ...(doc?.events && typeof doc.events === 'object'
      ? {
          events: {
            ...(typeof doc.events.function === 'string' && doc.events.function ? { function: doc.events.function } : {}),
            ...(Number.isInteger(doc.events.maxTries) && doc.events.maxTries > 0 ? { maxTries: doc.events.maxTries } : {}),
          },
        }
      : {}),
    logistics: {
      accounts: (Array.isArray(doc?.logistics?.accounts) ? doc.logistics.accounts : [])
        .filter((a: any) => a && typeof a.deliveryId === 'string' && a.deliveryId && typeof a.bizId === 'string' && a.bizId)
        .map((a: any) => ({
          deliveryId: a.deliveryId,
          bizId: a.bizId,
          ...(Number.isInteger(a.serviceType) ? { serviceType: a.serviceType } : {}),
          ...(typeof a.serviceName === 'string' ? { serviceName: a.serviceName } : {}),
        })),
    },
  };
}

export async function loadSettings(nowMs = Date.now()): Promise<ShopSettings> {
  const envId = currentEnvId();
  const hit = cache.get(envId, SETTINGS_DOC_ID, nowMs);
  if (hit) return hit;
  const value = settingsFromDoc(await findById(C.settings, SETTINGS_DOC_ID));
  cache.set(envId, SETTINGS_DOC_ID, nowMs, value);
  return value;
}
