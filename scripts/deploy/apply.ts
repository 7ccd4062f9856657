/**
 * Applies a deploy plan (plan.ts) to a real environment through
 * @cloudbase/manager-node (and @cloudbase/node-sdk for the bootstrap
 * documents, which the manager has no document API for).
 *
 * Every step reads first and writes only what differs, so a second run
 * changes nothing (and says so), and a run that failed half way resumes on
 * the next: what was done is found done. Nothing is ever deleted: an index
 * or trigger that the plan does not name is left alone. A failure names the
 * step, the resource and what to do.
 */
import { CODE_DIGEST_VAR, type CollectionPlan, type DeployPlan, type DocumentPlan, type FunctionPlan, type IndexPlan } from './plan';

/** The part of a manager-node `CloudBase` (plus a document port) that deploy uses; tests pass a recording fake. */
export interface ManagerClient {
  functions: {
    getFunctionDetail(name: string): Promise<FunctionDetail>;
    createFunction(param: { func: FunctionSpec; functionRootPath: string; force: boolean }): Promise<unknown>;
    updateFunctionCode(param: { func: FunctionSpec; functionRootPath: string }): Promise<unknown>;
    updateFunctionConfig(func: FunctionSpec): Promise<unknown>;
    createFunctionTriggers(name: string, triggers: { name: string; type: string; config: string }[]): Promise<unknown>;
    /** Runs a deployed function (the carrier-account check); RetMsg is its answer as JSON text. */
    invokeFunction(name: string, params?: Record<string, unknown>): Promise<{ RetMsg?: string; ErrMsg?: string }>;
  };
  database: {
    createCollectionIfNotExists(name: string): Promise<{ IsCreated: boolean }>;
    describeCollection(name: string): Promise<{ Indexes?: { Name: string }[] }>;
    updateCollection(name: string, info: { CreateIndexes: CreateIndex[] }): Promise<unknown>;
  };
  permission: {
    describeResourcePermission(options: {
      resourceType: 'collection' | 'storage';
      resources?: string[];
    }): Promise<{ Data: { PermissionList: { Resource?: string; Permission?: string; SecurityRule?: string }[] } }>;
    modifyResourcePermission(options: { resourceType: 'collection' | 'storage'; resource: string; permission: 'CUSTOM' | 'PRIVATE'; securityRule?: string }): Promise<unknown>;
  };
  /** Bootstrap documents (node-sdk): read one by id, write one whole. */
  documents: {
    get(collection: string, id: string): Promise<Record<string, unknown> | null>;
    set(collection: string, id: string, data: Record<string, unknown>): Promise<unknown>;
  };
}

export interface FunctionDetail {
  /** SCF status: Active, Creating, Updating, CreateFailed, UpdateFailed, … */
  Status?: string;
  Runtime?: string;
  Timeout?: number;
  MemorySize?: number;
  Environment?: { Variables?: { Key: string; Value: string }[] };
  Triggers?: { TriggerName?: string; Name?: string; Type?: string; TriggerDesc?: string; Config?: string }[];
}

export interface FunctionSpec {
  name: string;
  runtime: string;
  handler: string;
  timeout: number;
  memorySize: number;
  installDependency: boolean;
  envVariables: Record<string, string>;
  triggers: { name: string; type: string; config: string }[];
}

export interface CreateIndex {
  IndexName: string;
  MgoKeySchema: { MgoIndexKeys: { Name: string; Direction: string }[]; MgoIsUnique: boolean };
}

export interface StepResult {
  step: string;
  resource: string;
  /** 'unchanged' when nothing was written. */
  did: 'created' | 'updated' | 'unchanged' | 'manual';
  detail: string;
}

export interface ApplyOptions {
  /** Rewrite settings/staff documents that already exist (--overwrite-settings). */
  overwriteSettings?: boolean;
  log?: (line: string) => void;
}

export interface ApplyReport {
  results: StepResult[];
  changed: number;
  manual: string[];
}

/** A failed step: which, on what, what the platform said, what to do. */
export class DeployError extends Error {
  constructor(
    readonly step: string,
    readonly resource: string,
    override readonly cause: unknown,
    readonly hint: string,
  ) {
    super(
      `${step} ${resource} failed: ${describe(cause)}\n  what to do / 处理办法: ${hint}\n  Run the same command again after fixing it: steps already done are skipped / 修复后重新运行即可，已完成的步骤会跳过`,
    );
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; requestId?: string };
  return [e?.code, e?.message ?? String(err), e?.requestId ? `RequestId ${e.requestId}` : ''].filter(Boolean).join(' · ');
}

/** What to do about an error, from its code (Tencent Cloud API error codes) or message. */
export function hintFor(err: unknown, step: string): string {
  const text = `${(err as { code?: string })?.code ?? ''} ${(err as { message?: string })?.message ?? err}`;
  if (/AuthFailure\.(SecretIdNotFound|SignatureFailure|InvalidSecretId)|SecretId|SignatureFailure/i.test(text))
    return 'check TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN for temporary keys) / 请检查 API 密钥';
  if (/TokenFailure|token/i.test(text) && /expire|invalid/i.test(text)) return 'the temporary key has expired: get a new TENCENTCLOUD_SESSIONTOKEN with its key / 临时密钥已过期';
  if (/UnauthorizedOperation|AuthFailure\.Unauthorized|permission denied|CAM/i.test(text))
    return 'this key may not manage Cloud Development: grant its CAM user the policy QcloudTCBFullAccess (or QcloudSCFFullAccess + QcloudTCBFullAccess) / 密钥无权限，请在访问管理为其授权 QcloudTCBFullAccess';
  if (/ResourceNotFound\.Env|InvalidParameter.*Env|EnvId|env.*not.*exist|环境/i.test(text))
    return 'check --env: it must be the environment id shown in 云开发控制台 (e.g. prod-1a2b3c), and the key must belong to the account that owns it / 请检查 --env 环境 ID';
  if (/LimitExceeded|quota|配额/i.test(text))
    return 'a quota of the environment is reached (functions, collections or indexes): raise it in the console or remove unused ones / 环境配额已满';
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network/i.test(text))
    return 'the Tencent Cloud API could not be reached: check the network, then run again / 网络不可达，请稍后重试';
  if (step === 'function') return 'see the function in 云开发控制台 → 云函数; if it is stuck in a failed state, delete it there and run again / 在控制台查看该云函数状态';
  return 'see the message above; nothing after this step was attempted / 请根据上面的错误信息处理';
}

export function functionSpec(f: FunctionPlan): FunctionSpec {
  return {
    name: f.name,
    runtime: f.runtime,
    handler: f.handler,
    timeout: f.timeout,
    memorySize: f.memorySize,
    installDependency: true,
    envVariables: { ...f.envVariables },
    triggers: f.triggers.map((t) => ({ ...t })),
  };
}

export function createIndexOf(ix: IndexPlan): CreateIndex {
  return { IndexName: ix.name, MgoKeySchema: { MgoIndexKeys: Object.entries(ix.keys).map(([Name, d]) => ({ Name, Direction: String(d) })), MgoIsUnique: ix.unique } };
}

const ruleString = (c: CollectionPlan) => JSON.stringify(c.rule);
/** getFunctionDetail's "no such function" (SCF ResourceNotFound.Function / ResourceNotFound.FunctionName), nothing else. */
const isNotFound = (err: unknown) =>
  /^ResourceNotFound\.Function/.test((err as { code?: string })?.code ?? '') ||
  /function\S*\s+not\s*(found|exist)|函数\S*\s*不存在/i.test((err as { message?: string })?.message ?? '');

async function step<T>(name: string, resource: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DeployError) throw err;
    throw new DeployError(name, resource, err, hintFor(err, name));
  }
}

async function deployFunction(client: ManagerClient, f: FunctionPlan, rootPath: string): Promise<StepResult[]> {
  const spec = functionSpec(f);
  const detail = await step('function', f.name, async () => {
    try {
      return await client.functions.getFunctionDetail(f.name);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  });
  // A function left CreateFailed by an earlier run is created again: manager-node's createFunction deletes the failed one first.
  if (!detail || detail.Status === 'CreateFailed') {
    await step('function', f.name, () => client.functions.createFunction({ func: spec, functionRootPath: rootPath, force: false }));
    const triggers = f.triggers.map((t) => `${t.name} "${t.config}"`).join(', ');
    return [
      {
        step: 'function',
        resource: f.name,
        did: 'created',
        detail: `created: ${f.runtime}, timeout ${f.timeout} s, memory ${f.memorySize} MB${triggers ? `, trigger ${triggers}` : ''}`,
      },
    ];
  }
  const results: StepResult[] = [];
  if (detail.Runtime && detail.Runtime !== f.runtime) {
    results.push({
      step: 'function',
      resource: f.name,
      did: 'manual',
      detail: `runtime is ${detail.Runtime}, the plan says ${f.runtime}: a runtime cannot be changed; delete the function in the console and run deploy again / 运行时无法修改，请在控制台删除该函数后重新部署`,
    });
  }
  const vars = new Map((detail.Environment?.Variables ?? []).map((v) => [v.Key, v.Value]));
  const codeChanged = vars.get(CODE_DIGEST_VAR) !== f.codeSha256;
  if (codeChanged) {
    await step('function code', f.name, () => client.functions.updateFunctionCode({ func: spec, functionRootPath: rootPath }));
  }
  const configDiff: string[] = [];
  if (detail.Timeout !== f.timeout) configDiff.push(`timeout ${detail.Timeout ?? '?'} → ${f.timeout} s`);
  if (detail.MemorySize !== f.memorySize) configDiff.push(`memory ${detail.MemorySize ?? '?'} → ${f.memorySize} MB`);
  const varsDiffer = Object.entries(f.envVariables).some(([k, v]) => vars.get(k) !== v);
  if (varsDiffer) configDiff.push(codeChanged ? 'code digest' : 'environment variables');
  if (configDiff.length) await step('function config', f.name, () => client.functions.updateFunctionConfig(spec));
  const have = new Set((detail.Triggers ?? []).map((t) => `${t.TriggerName ?? t.Name}|${t.TriggerDesc ?? t.Config}`));
  const missing = f.triggers.filter((t) => !have.has(`${t.name}|${t.config}`));
  if (missing.length) await step('trigger', `${f.name}/${missing.map((t) => t.name).join(',')}`, () => client.functions.createFunctionTriggers(f.name, missing));
  const did: string[] = [
    ...(codeChanged ? ['code uploaded'] : []),
    ...configDiff.filter((d) => d !== 'code digest'),
    ...missing.map((t) => `trigger ${t.name} "${t.config}" created`),
  ];
  results.unshift({
    step: 'function',
    resource: f.name,
    did: did.length ? 'updated' : 'unchanged',
    detail: did.length ? did.join(', ') : `unchanged (same code, timeout ${f.timeout} s, memory ${f.memorySize} MB)`,
  });
  return results;
}

async function deployCollection(client: ManagerClient, c: CollectionPlan): Promise<StepResult[]> {
  const made = await step('collection', c.name, () => client.database.createCollectionIfNotExists(c.name));
  const results: StepResult[] = [{ step: 'collection', resource: c.name, did: made.IsCreated ? 'created' : 'unchanged', detail: made.IsCreated ? 'created' : 'exists' }];
  if (c.indexes.length) {
    const info = await step('indexes', c.name, () => client.database.describeCollection(c.name));
    const have = new Set((info.Indexes ?? []).map((ix) => ix.Name));
    const missing = c.indexes.filter((ix) => !have.has(ix.name));
    if (missing.length)
      await step('indexes', `${c.name}: ${missing.map((m) => m.name).join(', ')}`, () => client.database.updateCollection(c.name, { CreateIndexes: missing.map(createIndexOf) }));
    results.push({
      step: 'indexes',
      resource: c.name,
      did: missing.length ? 'created' : 'unchanged',
      detail: missing.length ? `created ${missing.map((m) => m.name).join(', ')}` : `all ${c.indexes.length} present`,
    });
  }
  return results;
}

const normRule = (s: string | undefined) => {
  try {
    return JSON.stringify(JSON.parse(s ?? ''));
  } catch {
    return (s ?? '').replace(/\s+/g, '');
  }
};

/** Collection rules and the storage rule; where the API refuses, the console step is printed instead. */
async function deployRules(client: ManagerClient, plan: DeployPlan): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let current: Map<string, { Permission?: string; SecurityRule?: string }>;
  try {
    const res = await client.permission.describeResourcePermission({ resourceType: 'collection', resources: plan.collections.map((c) => c.name) });
    current = new Map((res.Data?.PermissionList ?? []).map((p) => [p.Resource ?? '', p]));
  } catch (err) {
    const text = hintFor(err, 'rules');
    if (/密钥|权限|环境 ID/.test(text)) throw new DeployError('rules', 'collections', err, text);
    return [...plan.collections.map((c) => manualRule(c, err)), manualStorage(err)];
  }
  for (const c of plan.collections) {
    const have = current.get(c.name);
    if (have?.Permission === 'CUSTOM' && normRule(have.SecurityRule) === ruleString(c)) {
      results.push({ step: 'rule', resource: c.name, did: 'unchanged', detail: ruleString(c) });
      continue;
    }
    try {
      await client.permission.modifyResourcePermission({ resourceType: 'collection', resource: c.name, permission: 'CUSTOM', securityRule: ruleString(c) });
      results.push({ step: 'rule', resource: c.name, did: 'updated', detail: ruleString(c) });
    } catch (err) {
      results.push(manualRule(c, err));
    }
  }
  try {
    const res = await client.permission.describeResourcePermission({ resourceType: 'storage' });
    const have = res.Data?.PermissionList?.[0];
    if (have?.Permission === plan.storage.permission) results.push({ step: 'rule', resource: 'storage', did: 'unchanged', detail: '仅创建者可读写 (PRIVATE)' });
    else if (!have?.Resource) results.push(manualStorage(new Error('the environment reported no storage bucket')));
    else {
      await client.permission.modifyResourcePermission({ resourceType: 'storage', resource: have.Resource, permission: plan.storage.permission });
      results.push({ step: 'rule', resource: 'storage', did: 'updated', detail: '仅创建者可读写 (PRIVATE)' });
    }
  } catch (err) {
    results.push(manualStorage(err));
  }
  return results;
}

function manualRule(c: CollectionPlan, err: unknown): StepResult {
  return {
    step: 'rule',
    resource: c.name,
    did: 'manual',
    detail: `the API refused (${describe(err)}): 云开发控制台 → 数据库 → ${c.name} → 数据权限 → 自定义安全规则: ${ruleString(c)}`,
  };
}
function manualStorage(err: unknown): StepResult {
  return { step: 'rule', resource: 'storage', did: 'manual', detail: `the API refused (${describe(err)}): 云开发控制台 → 存储 → 权限设置 → 仅创建者可读写` };
}

async function deployDocument(client: ManagerClient, d: DocumentPlan, overwrite: boolean): Promise<StepResult> {
  const resource = `${d.collection}/${d.id}`;
  const have = await step('document', resource, () => client.documents.get(d.collection, d.id));
  if (have && !overwrite) return { step: 'document', resource, did: 'unchanged', detail: 'exists, kept (--overwrite-settings replaces it)' };
  if (have && JSON.stringify(stripId(have)) === JSON.stringify(d.data)) return { step: 'document', resource, did: 'unchanged', detail: 'same content' };
  await step('document', resource, () => client.documents.set(d.collection, d.id, d.data));
  return { step: 'document', resource, did: have ? 'updated' : 'created', detail: have ? 'replaced (--overwrite-settings)' : 'written' };
}

/**
 * The shop's carrier accounts against logistics.getAllAccount — only a cloud
 * function can ask WeChat, so deploy runs queryReturns { action:
 * 'carrierAccounts' } once the functions are up. An account that is not bound
 * is a step for a person (bind it in 物流助手), not a failure.
 */
async function checkCarriers(client: ManagerClient): Promise<StepResult> {
  const res = await step('carrier accounts', 'queryReturns', () => client.functions.invokeFunction('queryReturns', { action: 'carrierAccounts' }));
  let answer: { ok?: boolean; data?: { accounts?: { deliveryId: string; bizId: string; bound: boolean; status: string }[] }; error?: { message?: string } } = {};
  try {
    answer = JSON.parse(res?.RetMsg ?? '{}');
  } catch {
    /* reported below */
  }
  const accounts = answer.data?.accounts;
  if (!answer.ok || !accounts)
    return {
      step: 'carrier accounts',
      resource: 'logistics.getAllAccount',
      did: 'manual',
      detail: `could not check (${answer.error?.message ?? res?.ErrMsg ?? 'no answer'}): check 物流助手 in the mini-program admin / 无法核对快递账号，请在小程序后台「物流助手」确认已绑定`,
    };
  const unbound = accounts.filter((a) => !a.bound);
  if (unbound.length)
    return {
      step: 'carrier accounts',
      resource: 'logistics.getAllAccount',
      did: 'manual',
      detail: unbound.map((a) => `${a.deliveryId}/${a.bizId}: ${a.status} — bind it in 物流助手 before buyers can book pickups / 绑定后买家才能预约上门取件`).join('; '),
    };
  return { step: 'carrier accounts', resource: 'logistics.getAllAccount', did: 'unchanged', detail: `bound: ${accounts.map((a) => `${a.deliveryId}/${a.bizId}`).join(', ')}` };
}

function stripId(doc: Record<string, unknown>): Record<string, unknown> {
  const { _id: _ignored, ...rest } = doc;
  return rest;
}

/**
 * Applies the plan in order: functions (with config and triggers),
 * collections and their indexes, rules, bootstrap documents. Throws a
 * DeployError at the first failed step; everything before it stays done.
 */
export async function applyPlan(plan: DeployPlan, client: ManagerClient, functionRootPath: string, options: ApplyOptions = {}): Promise<ApplyReport> {
  const log = options.log ?? (() => undefined);
  const results: StepResult[] = [];
  const total = plan.functions.length + plan.collections.length + 2 + plan.documents.length;
  let n = 0;
  const note = (rs: StepResult[]) => {
    n++;
    for (const r of rs) {
      results.push(r);
      const mark = r.did === 'unchanged' ? '=' : r.did === 'manual' ? '!' : '+';
      log(`[${n}/${total}] ${mark} ${r.step} ${r.resource}: ${r.detail}`);
    }
  };
  for (const f of plan.functions) note(await deployFunction(client, f, functionRootPath));
  for (const c of plan.collections) note(await deployCollection(client, c));
  const rules = await deployRules(client, plan);
  note(rules.filter((r) => r.resource !== 'storage'));
  note(rules.filter((r) => r.resource === 'storage'));
  for (const d of plan.documents) note([await deployDocument(client, d, options.overwriteSettings === true)]);
  if (plan.carrierAccounts) note([await checkCarriers(client)]);
  const changed = results.filter((r) => r.did === 'created' || r.did === 'updated').length;
  const manual = [...results.filter((r) => r.did === 'manual').map((r) => `${r.step} ${r.resource}: ${r.detail}`), ...plan.manual];
  return { results, changed, manual };
}
