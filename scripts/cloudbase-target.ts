/**
 * The database a maintenance script works on (setup-db, migrate-ledger):
 * `--emulator [URL]` points @cloudbase/node-sdk at the local emulator; else a
 * real environment from TCB_ENV / TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY
 * (missing ones: a Chinese message and exit 2).
 */
import tcb from '@cloudbase/node-sdk';

export function connectTarget(args: string[]): { app: ReturnType<typeof tcb.init>; emulatorUrl: string | null } {
  const emuIdx = args.indexOf('--emulator');
  let emulatorUrl: string | null = null;
  if (emuIdx >= 0) {
    emulatorUrl = (args[emuIdx + 1] && !args[emuIdx + 1].startsWith('--') ? args[emuIdx + 1] : `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
    Object.assign(process.env, {
      TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${emulatorUrl}/admin` }),
      TENCENTCLOUD_SECRETID: 'local',
      TENCENTCLOUD_SECRETKEY: 'local',
      TENCENTCLOUD_RUNENV: 'SCF',
      TENCENTCLOUD_REGION: 'ap-shanghai',
      SCF_NAMESPACE: 'local-env',
      TCB_ENV: 'local-env',
    });
  } else if (!process.env.TCB_ENV || !process.env.TENCENTCLOUD_SECRETID || !process.env.TENCENTCLOUD_SECRETKEY) {
    console.error('缺少 TCB_ENV / TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY；本地模拟器请加 --emulator');
    process.exit(2);
  }
  const app = tcb.init({ env: process.env.TCB_ENV, secretId: process.env.TENCENTCLOUD_SECRETID, secretKey: process.env.TENCENTCLOUD_SECRETKEY });
  return { app, emulatorUrl };
}
