/** Collection names (api.md "Collections"). */
export const C = {
  returns: 'returns',
  refunds: 'refunds',
  orders: 'orders',
  staff: 'staff',
  settings: 'settings',
  /** Subscribe-message outbox, retried by the sweep. */
  notifications: 'notifications',
  /** Short-lived mutexes (create-if-absent by _id, with an expiry). */
  locks: 'locks',
} as const;

export type CollectionName = (typeof C)[keyof typeof C];
