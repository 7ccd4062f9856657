import { environmentKey, InstanceCache } from '../../cloudfunctions/core/runtime/instance-cache';

describe('what a warm instance keeps between invocations', () => {
  const T0 = Date.UTC(2026, 11, 6, 2, 0, 0);

  it('is served for ttlMs after it was read, then read again', () => {
    const cache = new InstanceCache<string>(60_000);
    expect(cache.get('env-a', 'shop', T0)).toBeUndefined();
    cache.set('env-a', 'shop', T0, 'policy A');
    expect(cache.get('env-a', 'shop', T0)).toBe('policy A');
    expect(cache.get('env-a', 'shop', T0 + 59_999)).toBe('policy A');
    expect(cache.get('env-a', 'shop', T0 + 60_000)).toBeUndefined();
  });

  it('is never served to a call in another environment (what cloud.DYNAMIC_CURRENT_ENV resolves to)', () => {
    const cache = new InstanceCache<string>(60_000);
    cache.set('env-a', 'shop', T0, 'policy A');
    expect(cache.get('env-b', 'shop', T0)).toBeUndefined();
    expect(cache.get('', 'shop', T0)).toBeUndefined();
    // one entry per key: env-b's read replaces env-a's, and each environment is served only its own
    cache.set('env-b', 'shop', T0 + 1, 'policy B');
    expect(cache.get('env-b', 'shop', T0 + 2)).toBe('policy B');
    expect(cache.get('env-a', 'shop', T0 + 2)).toBeUndefined();
  });

  it('misses when the clock is set back before the read (a moved clock never serves an old value as new)', () => {
    const cache = new InstanceCache<string>(60_000);
    cache.set('env-a', 'shop', T0, 'policy A');
    expect(cache.get('env-a', 'shop', T0 - 1)).toBeUndefined();
  });

  it('keeps a null answer (not staff) as an answer, apart from nothing kept', () => {
    const cache = new InstanceCache<{ roles: string[] } | null>(30_000);
    cache.set('env-a', 'id:o1', T0, null);
    expect(cache.get('env-a', 'id:o1', T0 + 1)).toBeNull();
    expect(cache.get('env-a', 'id:o2', T0 + 1)).toBeUndefined();
  });

  it('keeps each key apart', () => {
    const cache = new InstanceCache<number>(1_000);
    cache.set('env-a', 'x', T0, 1);
    cache.set('env-a', 'y', T0 + 500, 2);
    expect(cache.get('env-a', 'x', T0 + 900)).toBe(1);
    expect(cache.get('env-a', 'x', T0 + 1_200)).toBeUndefined();
    expect(cache.get('env-a', 'y', T0 + 1_200)).toBe(2);
  });
});

describe('the environment key', () => {
  it('changes with either variable the SDK resolves the current environment from', () => {
    const base = environmentKey({ TCB_ENV: 'env-a', SCF_NAMESPACE: 'env-a' });
    expect(environmentKey({ TCB_ENV: 'env-a', SCF_NAMESPACE: 'env-a', PATH: '/bin' })).toBe(base);
    expect(environmentKey({ TCB_ENV: 'env-b', SCF_NAMESPACE: 'env-a' })).not.toBe(base);
    expect(environmentKey({ TCB_ENV: 'env-a', SCF_NAMESPACE: 'env-b' })).not.toBe(base);
    expect(environmentKey({ SCF_NAMESPACE: 'env-a' })).not.toBe(base);
  });
});
