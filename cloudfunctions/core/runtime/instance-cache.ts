/**
 * What a warm instance keeps between invocations (the shop settings, staff
 * documents): each value for a time-to-live, and for the CloudBase
 * environment it was read from. The functions reach the database through
 * `cloud.DYNAMIC_CURRENT_ENV`, which the SDK resolves at every request from
 * the invocation's environment variables (node-sdk getEnvIdFromContext:
 * TCB_ENV or SCF_NAMESPACE; environmentKey keys by both), so a module-level
 * value is kept the same way: a value read in one environment is never served
 * to a call in another.
 */

/**
 * The CloudBase environment a set of environment variables sends the SDK's requests to, as a key: the two variables
 * it resolves cloud.DYNAMIC_CURRENT_ENV from (TCB_ENV where the context lists it, else SCF_NAMESPACE), both as they are.
 */
export function environmentKey(env: Readonly<Record<string, string | undefined>>): string {
  return `${env.TCB_ENV ?? ''}|${env.SCF_NAMESPACE ?? ''}`;
}

export class InstanceCache<T> {
  private readonly entries = new Map<string, { envId: string; at: number; value: T }>();

  constructor(readonly ttlMs: number) {}

  /** The value kept for `key` in `envId`, if read there less than ttlMs before `nowMs` (and not after it: a clock set back misses). */
  get(envId: string, key: string, nowMs: number): T | undefined {
    const hit = this.entries.get(key);
    if (!hit || hit.envId !== envId || nowMs < hit.at || nowMs - hit.at >= this.ttlMs) return undefined;
    return hit.value;
  }

  set(envId: string, key: string, nowMs: number, value: T): void {
    this.entries.set(key, { envId, at: nowMs, value });
  }
}
