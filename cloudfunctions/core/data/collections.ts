/** Collection names (api.md "Collections"). */
export const C = {
  returns: 'returns',
  refunds: 'refunds',
  orders: 'orders',
  staff: 'staff',
  settings: 'settings',
  /** Subscribe-message outbox, retried by the sweep. */
  notifications: 'notifications',
  /** The product's own after-sale ledger: one document per order (_id = orderId), compare-and-set on `rev`. */
  ledgers: 'ledgers',
  /** Short-lived mutexes (create-if-absent by _id, with an expiry). */
  locks: 'locks',
  /** One-time subscribe-message consents per (openid, template): `left` to spend (app/notify.ts). */
  subscriptions: 'subscriptions',
  /** The shop's catalogue of SKUs (`{ _id: skuId, productId, title, attrs, price, stock }`), maintained by the shop: 换货 replacements. Read only. */
  skus: 'skus',
} as const;

export type CollectionName = (typeof C)[keyof typeof C];

/** Indexes every environment needs (api.md "Collections"); created by `npm run deploy` (scripts/deploy/plan.ts), declared on the emulator by scripts/setup-db.ts. */
export const INDEXES: Readonly<Record<string, { name: string; keys: Record<string, 1 | -1>; unique?: boolean }[]>> = {
  returns: [
    { name: 'status_deadline', keys: { status: 1, deadline: 1 } },
    { name: 'buyer_created', keys: { buyerOpenid: 1, createdAt: -1 } },
    { name: 'buyer_applyKey', keys: { buyerOpenid: 1, applyKey: 1 } },
    { name: 'order', keys: { orderId: 1 } },
    { name: 'reminder', keys: { nextReminderAt: 1 } },
    // the sweep's outbox step (app/outbox.ts), oldest change first
    { name: 'outbox_pending', keys: { outboxPending: 1, updatedAt: 1 } },
  ],
  refunds: [
    { name: 'status_nextCheck', keys: { status: 1, nextCheckAt: 1 } },
    { name: 'order', keys: { orderId: 1 } },
  ],
  notifications: [
    { name: 'status_nextAttempt', keys: { status: 1, nextAttemptAt: 1 } },
    { name: 'return_touser', keys: { returnId: 1, touser: 1 } },
  ],
  orders: [{ name: 'buyer', keys: { buyerOpenid: 1 } }],
  // staff recipients of a message by role (app/notify.ts: roles in [...]); roles is an array: a multikey index
  staff: [{ name: 'roles', keys: { roles: 1 } }],
  settings: [],
  ledgers: [],
  locks: [],
  subscriptions: [],
  // the replacements of an exchange: the SKUs of a product
  skus: [{ name: 'product', keys: { productId: 1 } }],
};
