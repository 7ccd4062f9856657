import { SDK_TIMEOUT_MS, SDK_TIMEOUT_VAR, sdkTimeoutMs } from '../../cloudfunctions/core/runtime/sdk-timeout';

describe('the SDK timeout from the function environment', () => {
  it('unset or empty → the default 10 s', () => {
    expect(SDK_TIMEOUT_MS).toBe(10_000);
    expect(sdkTimeoutMs(undefined)).toBe(10_000);
    expect(sdkTimeoutMs('')).toBe(10_000);
  });

  it('an integer number of ms from 1000 to 60000 is taken', () => {
    expect(sdkTimeoutMs('1000')).toBe(1000);
    expect(sdkTimeoutMs('3000')).toBe(3000);
    expect(sdkTimeoutMs('60000')).toBe(60_000);
  });

  it.each(['999', '60001', '3s', '2.5', '-3000', ' 3000', 'abc'])('%j is refused, naming the variable, never replaced by the default', (value) => {
    expect(() => sdkTimeoutMs(value)).toThrow(SDK_TIMEOUT_VAR);
    expect(() => sdkTimeoutMs(value)).toThrow(/1000 到 60000/);
  });
});
