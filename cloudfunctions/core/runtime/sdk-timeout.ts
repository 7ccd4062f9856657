/** The SDK's request timeout (cloud.init's `timeout`), read by the shell (./shell.ts) at its first call. */

/**
 * SDK request timeout: shorter than every function's own timeout (config.json),
 * so a hung platform call surfaces as an error the use case classifies (a refund
 * becomes UNKNOWN and is queried) instead of the invocation being killed.
 */
export const SDK_TIMEOUT_MS = 10_000;
/**
 * The function's environment variable (config.json `envVariables`, or the
 * console's 环境变量) that sets another SDK timeout, in ms: 1000–60000, and
 * below the function's own timeout. A value outside the range is refused
 * loudly at the first call, never replaced by the default; one not below the
 * function's timeout is refused by `npm run deploy` when it is in config.json
 * (the function cannot read its own timeout: one set in the console is not
 * checked).
 */
export const SDK_TIMEOUT_VAR = 'AFTERSALES_SDK_TIMEOUT_MS';

export function sdkTimeoutMs(value: string | undefined): number {
  if (value === undefined || value === '') return SDK_TIMEOUT_MS;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms < 1000 || ms > 60_000) {
    throw new Error(`${SDK_TIMEOUT_VAR} 必须是 1000 到 60000 之间的整数（毫秒），现在是 "${value}"`);
  }
  return ms;
}
