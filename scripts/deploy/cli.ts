/**
 * npm run deploy -- --env <envId> [--dry-run] [--shop <file>] [--overwrite-settings]
 *                   [--via manager-node | miniprogram-ci --appid <appid> --private-key <file>]
 *
 * Builds the plan (plan.ts) from build/cloudfunctions and the collections of
 * cloudfunctions/core/data/collections.ts, then:
 *   --dry-run             prints it (no credentials, no network);
 *   default               applies it with @cloudbase/manager-node (apply.ts),
 *                         credentials from TENCENTCLOUD_SECRETID /
 *                         TENCENTCLOUD_SECRETKEY / TENCENTCLOUD_SESSIONTOKEN;
 *   --via miniprogram-ci  uploads the functions and triggers with the
 *                         mini-program's code-upload key and prints the rest.
 * Exit codes: 0 done, 1 a step failed (run again after fixing: done steps
 * are skipped), 2 wrong usage or missing credentials.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type CloudBase from '@cloudbase/manager-node';
import { applyPlan, DeployError, type ManagerClient } from './apply';
import { CiDeployError, deployViaMiniprogramCi, type CiModule } from './miniprogram-ci';
import { buildPlan, formatPlan, PlanError, planSize, readShopFile, type DeployPlan } from './plan';

const ROOT = path.resolve(__dirname, '..', '..');
export const BUILD_DIR = path.join(ROOT, 'build', 'cloudfunctions');

export interface Args {
  env?: string;
  dryRun: boolean;
  shop?: string;
  overwriteSettings: boolean;
  via: 'manager-node' | 'miniprogram-ci';
  appid?: string;
  privateKey?: string;
  help: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Args {
  const args: Args = { dryRun: false, overwriteSettings: false, via: 'manager-node', help: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value / ${flag} 缺少参数值`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--env') args.env = value(i++, a);
    else if (a === '--dry-run') args.dryRun = true;
    else if (a === '--shop') args.shop = value(i++, a);
    else if (a === '--overwrite-settings') args.overwriteSettings = true;
    else if (a === '--via') {
      const v = value(i++, a);
      if (v !== 'manager-node' && v !== 'miniprogram-ci') throw new UsageError(`--via ${v}: use manager-node or miniprogram-ci / --via 只能是 manager-node 或 miniprogram-ci`);
      args.via = v;
    } else if (a === '--appid') args.appid = value(i++, a);
    else if (a === '--private-key') args.privateKey = value(i++, a);
    else if (a === '--help' || a === '-h') args.help = true;
    else throw new UsageError(`unknown option ${a} / 未知参数 ${a}`);
  }
  return args;
}

export const USAGE = `Usage / 用法:
  npm run deploy -- --env <envId> --dry-run                 print the plan (offline, no credentials)
  npm run deploy -- --env <envId> [--shop shop.json] [--overwrite-settings]
        applies it with @cloudbase/manager-node; needs TENCENTCLOUD_SECRETID and
        TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN for a temporary key)
  npm run deploy -- --env <envId> --via miniprogram-ci --appid <appid> --private-key <key file>
        uploads functions and triggers with the code-upload key; prints the console steps left`;

/** The real client: manager-node for functions, database and rules; node-sdk for documents. */
export function realClient(envId: string, env: NodeJS.ProcessEnv): ManagerClient {
  const req = createRequire(__filename);
  const Manager = req('@cloudbase/manager-node') as typeof CloudBase;
  const app = new Manager({ secretId: env.TENCENTCLOUD_SECRETID, secretKey: env.TENCENTCLOUD_SECRETKEY, token: env.TENCENTCLOUD_SESSIONTOKEN || undefined, envId });
  const tcb = req('@cloudbase/node-sdk');
  const db = tcb
    .init({ env: envId, secretId: env.TENCENTCLOUD_SECRETID, secretKey: env.TENCENTCLOUD_SECRETKEY, sessionToken: env.TENCENTCLOUD_SESSIONTOKEN || undefined })
    .database();
  // Typed against manager-node's own declarations: a renamed or reshaped method fails `npm run typecheck`.
  const functions: ManagerClient['functions'] = app.functions;
  const database: ManagerClient['database'] = app.database;
  const permission: ManagerClient['permission'] = app.permission;
  return {
    functions,
    database,
    permission,
    documents: {
      async get(collection, id) {
        const res = await db.collection(collection).doc(id).get();
        if (res?.code) throw Object.assign(new Error(res.message ?? res.code), { code: res.code });
        return res?.data?.[0] ?? null;
      },
      async set(collection, id, data) {
        const res = await db.collection(collection).doc(id).set(data);
        if (res?.code) throw Object.assign(new Error(res.message ?? res.code), { code: res.code });
        return res;
      },
    },
  };
}

export interface RunDeps {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  buildDir?: string;
  client?: (envId: string) => ManagerClient;
  ci?: () => CiModule;
}

function printManual(out: (l: string) => void, manual: string[]): void {
  if (!manual.length) return;
  out('');
  out(`Still for a person (${manual.length}) / 仍需人工完成:`);
  manual.forEach((m, i) => out(`  ${i + 1}. ${m}`));
}

/** The whole command; returns the exit code. */
export async function run(argv: string[], deps: RunDeps): Promise<number> {
  const { out, err } = deps;
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    err((e as Error).message);
    err(USAGE);
    return 2;
  }
  if (args.help) {
    out(USAGE);
    return 0;
  }
  if (!args.env) {
    err('--env <envId> is required: the environment id from 云开发控制台 / 请用 --env 指定云开发环境 ID');
    err(USAGE);
    return 2;
  }
  let plan: DeployPlan;
  try {
    plan = buildPlan({ envId: args.env, buildDir: deps.buildDir ?? BUILD_DIR, shop: args.shop ? readShopFile(args.shop) : undefined });
  } catch (e) {
    if (e instanceof PlanError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  if (args.dryRun) {
    out(formatPlan(plan));
    out('');
    out('Dry run: nothing was sent anywhere / 仅预览，未连接任何服务');
    return 0;
  }
  const size = planSize(plan);
  if (args.via === 'miniprogram-ci') {
    if (!args.appid || !args.privateKey) {
      err('--via miniprogram-ci needs --appid <appid> and --private-key <file> (小程序代码上传密钥: mp.weixin.qq.com → 开发管理 → 开发设置) / 缺少 appid 或上传密钥');
      return 2;
    }
    out(`Deploying ${size.functions} functions and ${size.triggers} timer triggers to ${plan.envId} with miniprogram-ci / 使用 miniprogram-ci 部署`);
    try {
      const ci = deps.ci ? deps.ci() : (createRequire(__filename)('miniprogram-ci') as CiModule);
      const report = await deployViaMiniprogramCi(plan, ci, { appid: args.appid, privateKeyPath: path.resolve(args.privateKey), projectPath: ROOT, log: out });
      out(`Uploaded ${report.uploaded.length} functions, created ${report.triggers.length} triggers / 已上传`);
      printManual(out, report.manual);
      return 0;
    } catch (e) {
      if (e instanceof CiDeployError) {
        err(e.message);
        return 1;
      }
      throw e;
    }
  }
  const missing = ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY'].filter((k) => !deps.env[k]);
  if (missing.length) {
    err(
      `missing ${missing.join(' and ')}: create an API key in 腾讯云控制台 → 访问管理 → API密钥管理 (a sub-user with QcloudTCBFullAccess), export it, and run again; or use --dry-run / 缺少 API 密钥环境变量 ${missing.join('、')}`,
    );
    return 2;
  }
  out(
    `Deploying to ${plan.envId}: ${size.functions} functions, ${size.triggers} triggers, ${size.collections} collections, ${size.indexes} indexes, ${size.rules} rules, ${size.documents} documents / 开始部署`,
  );
  try {
    const client = deps.client ? deps.client(plan.envId) : realClient(plan.envId, deps.env);
    const report = await applyPlan(plan, client, deps.buildDir ?? BUILD_DIR, { overwriteSettings: args.overwriteSettings, log: out });
    out('');
    out(
      report.changed === 0
        ? 'Nothing changed: the environment already matches the plan / 无需变更，环境已与计划一致'
        : `${report.changed} changes applied / 已完成 ${report.changed} 项变更`,
    );
    printManual(out, report.manual);
    return 0;
  } catch (e) {
    if (e instanceof DeployError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  run(process.argv.slice(2), { env: process.env, out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
