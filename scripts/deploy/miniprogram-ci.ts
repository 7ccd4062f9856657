/**
 * `npm run deploy -- --via miniprogram-ci`: for a developer who has only the
 * mini-program's code-upload key (mp.weixin.qq.com → 开发管理 → 开发设置 →
 * 小程序代码上传密钥). miniprogram-ci can upload each function
 * (ci.cloud.uploadFunction) and create its timer trigger
 * (ci.cloud.createTimeTrigger, which reports failure as a returned string,
 * not an exception); it cannot set a timeout, memory or runtime, nor touch
 * the database, so what is left is printed as console steps.
 */
import type { DeployPlan, FunctionPlan } from './plan';

/** The trigger call's one success answer (miniprogram-ci 2.x). */
export const TRIGGER_OK = '创建定时触发器成功';

export interface CiModule {
  Project: new (options: { appid: string; type: 'miniProgram'; projectPath: string; privateKeyPath: string; ignores: string[] }) => unknown;
  cloud: {
    uploadFunction(options: { project: unknown; env: string; name: string; path: string; remoteNpmInstall: boolean }): Promise<{ filesCount: number; packSize: number }>;
    createTimeTrigger(options: { project: unknown; envId: string; functionName: string; triggersConfig: { name: string; type: string; config: string }[] }): Promise<string>;
  };
}

export interface CiOptions {
  appid: string;
  privateKeyPath: string;
  projectPath: string;
  log?: (line: string) => void;
}

export class CiDeployError extends Error {}

export interface CiReport {
  uploaded: string[];
  triggers: string[];
  manual: string[];
}

/** Console steps for what miniprogram-ci cannot set. */
export function ciManualSteps(plan: DeployPlan): string[] {
  const cfg = (f: FunctionPlan) => `${f.name}: 超时时间 ${f.timeout} 秒, 内存 ${f.memorySize} MB, 运行环境 ${f.runtime}`;
  return [
    `云开发控制台 → 云函数 → each function → 函数配置 → 编辑 (a function created by upload gets the 3 s default timeout / 上传创建的函数默认超时 3 秒):\n      ${plan.functions.map(cfg).join('\n      ')}`,
    `云开发控制台 → 数据库: create the collections ${plan.collections.map((c) => c.name).join(', ')} (or run \`npm run setup-db\` with a Tencent Cloud API key), then their indexes (集合 → 索引管理):\n      ${plan.collections
      .flatMap((c) => c.indexes.map((ix) => `${c.name}.${ix.name}: ${JSON.stringify(ix.keys)}${ix.unique ? ' unique' : ''}`))
      .join('\n      ')}`,
    `云开发控制台 → 数据库 → each collection → 数据权限 → 自定义安全规则:\n      ${plan.collections.map((c) => `${c.name}: ${JSON.stringify(c.rule)}`).join('\n      ')}`,
    '云开发控制台 → 存储 → 权限设置: 仅创建者可读写',
    ...(plan.documents.length
      ? [`云开发控制台 → 数据库: add the bootstrap documents ${plan.documents.map((d) => `${d.collection}/${d.id}`).join(', ')} (from your --shop file)`]
      : []),
    ...plan.manual,
  ];
}

export async function deployViaMiniprogramCi(plan: DeployPlan, ci: CiModule, options: CiOptions): Promise<CiReport> {
  const log = options.log ?? (() => undefined);
  const project = new ci.Project({
    appid: options.appid,
    type: 'miniProgram',
    projectPath: options.projectPath,
    privateKeyPath: options.privateKeyPath,
    ignores: ['node_modules/**/*'],
  });
  const uploaded: string[] = [];
  const triggers: string[] = [];
  const total = plan.functions.length;
  for (const [i, f] of plan.functions.entries()) {
    let res: { filesCount: number; packSize: number };
    try {
      res = await ci.cloud.uploadFunction({ project, env: plan.envId, name: f.name, path: f.dir, remoteNpmInstall: true });
    } catch (err) {
      throw new CiDeployError(
        `uploadFunction ${f.name} failed: ${(err as Error)?.message ?? err}\n  what to do / 处理办法: check --appid, the code-upload key (--private-key), the key's IP whitelist, and that --env is an environment of this mini-program; then run again / 请检查 appid、上传密钥及其 IP 白名单、环境 ID`,
      );
    }
    uploaded.push(f.name);
    log(`[${i + 1}/${total}] + function ${f.name}: uploaded (${res.filesCount} files, ${res.packSize} bytes; 云端安装依赖)`);
    for (const t of f.triggers) {
      const answer = await ci.cloud.createTimeTrigger({ project, envId: plan.envId, functionName: f.name, triggersConfig: [{ name: t.name, type: t.type, config: t.config }] });
      if (answer !== TRIGGER_OK) {
        throw new CiDeployError(
          `createTimeTrigger ${f.name}/${t.name} "${t.config}" failed: miniprogram-ci answered "${answer}"\n  what to do / 处理办法: check the trigger in build/cloudfunctions/${f.name}/config.json (a 7-field cron), or create it in 云开发控制台 → 云函数 → ${f.name} → 触发器`,
        );
      }
      triggers.push(`${f.name}/${t.name}`);
      log(`      + trigger ${t.name} "${t.config}": ${answer}`);
    }
  }
  return { uploaded, triggers, manual: ciManualSteps(plan) };
}
