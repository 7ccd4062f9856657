/**
 * Stand-in for the core's sdkEnv until it lands: the environment that points
 * the unmodified wx-server-sdk at the emulator (see platform.md, "Running the
 * real SDK offline"). Per-invocation identity is set by the worker.
 */
import type { Emulator } from '../types';

export function fallbackSdkEnv(emu: Emulator, workerId?: string): Record<string, string> {
  const url = workerId ? `${emu.url}/admin/w/${encodeURIComponent(workerId)}` : `${emu.url}/admin`;
  return {
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: url }),
    TENCENTCLOUD_SECRETID: 'emulator-secret-id',
    TENCENTCLOUD_SECRETKEY: 'emulator-secret-key',
    TENCENTCLOUD_SESSIONTOKEN: '',
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    SCF_NAMESPACE: 'local-emulator',
    TCB_ENV: 'local-emulator',
  };
}
