/**
 * The deploy plan: everything `npm run deploy` puts into a Cloud Development
 * environment, computed from files alone (no network, no credentials):
 *   - every built function (build/cloudfunctions/<name>/config.json: runtime,
 *     timeout, memory, timer triggers, openapi permissions, environment
 *     variables) with a digest of its code;
 *   - every collection of cloudfunctions/core/data/collections.ts (C) with
 *     its INDEXES and its security rule;
 *   - the storage rule;
 *   - the shop's bootstrap documents (settings, staff) from `--shop <file>`;
 *   - the steps no API can do, for a person.
 * `npm run setup-db` takes its collections and indexes from `databasePlan()`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { C, INDEXES, type CollectionName } from '../../cloudfunctions/core/data/collections';
import { triggerConfigError } from '../emulator/timers/config';
import { SDK_TIMEOUT_VAR, sdkTimeoutMs } from '../../cloudfunctions/core/runtime/sdk-timeout';

/** The oldest Cloud Development runtime the bundles target (scripts/build.mjs: node16). */
export const DEFAULT_RUNTIME = 'Nodejs16.13';
export const DEFAULT_MEMORY_MB = 256;
/** Cloud default when a function is created without a timeout (why deploy always sets it). */
export const CLOUD_DEFAULT_TIMEOUT_S = 3;
/** Environment variable holding the deployed code's digest: a second deploy of the same build uploads nothing. */
export const CODE_DIGEST_VAR = 'AFTERSALES_CODE_SHA256';

export interface Trigger {
  name: string;
  type: 'timer';
  /** 7-field cron: second minute hour day month weekday year. */
  config: string;
}

export interface FunctionPlan {
  name: string;
  /** Folder uploaded (build/cloudfunctions/<name>). */
  dir: string;
  runtime: string;
  handler: string;
  timeout: number;
  memorySize: number;
  triggers: Trigger[];
  openapi: string[];
  /** config.json `envVariables` plus CODE_DIGEST_VAR. */
  envVariables: Record<string, string>;
  codeSha256: string;
}

export interface IndexPlan {
  name: string;
  keys: Record<string, 1 | -1>;
  unique: boolean;
}

/** A collection's security rule, as the console's 自定义安全规则 takes it. */
export interface Rule {
  read: boolean | string;
  write: boolean | string;
}

export interface CollectionPlan {
  name: CollectionName;
  indexes: IndexPlan[];
  rule: Rule;
}

export interface DocumentPlan {
  collection: CollectionName;
  id: string;
  data: Record<string, unknown>;
}

export interface DeployPlan {
  envId: string;
  functions: FunctionPlan[];
  collections: CollectionPlan[];
  /** 仅创建者可读写: buyers and staff upload under evidence/<openid>/, only the functions read others'. */
  storage: { permission: 'PRIVATE' };
  documents: DocumentPlan[];
  /** Check the shop's carrier accounts against logistics.getAllAccount once the functions are up (a --shop file names one). */
  carrierAccounts?: boolean;
  /** What only a person can do, in order. */
  manual: string[];
}

/**
 * Security rules of every collection (README "Deploying"): the pages read a
 * buyer's own orders; everything else only the functions touch. Typed by
 * collection name: a new collection in C does not compile until it has one.
 */
export const SECURITY_RULES: Readonly<Record<CollectionName, Rule>> = {
  orders: { read: 'doc.buyerOpenid == auth.openid', write: false },
  returns: { read: false, write: false },
  refunds: { read: false, write: false },
  staff: { read: false, write: false },
  settings: { read: false, write: false },
  notifications: { read: false, write: false },
  ledgers: { read: false, write: false },
  subscriptions: { read: false, write: false },
  locks: { read: false, write: false },
  // the shop's catalogue: anyone may read it (product pages), only the shop's back office writes it
  skus: { read: true, write: false },
};

/** Collections, their indexes and rules: the one list deploy and setup-db use. */
export function databasePlan(): CollectionPlan[] {
  return (Object.values(C) as CollectionName[]).map((name) => ({
    name,
    indexes: (INDEXES[name] ?? []).map((ix) => ({ name: ix.name, keys: { ...ix.keys }, unique: ix.unique === true })),
    rule: SECURITY_RULES[name],
  }));
}

export class PlanError extends Error {}

interface FunctionConfig {
  permissions?: { openapi?: string[] };
  triggers?: { name: string; type: string; config: string }[];
  timeout?: number;
  memorySize?: number;
  runtime?: string;
  envVariables?: Record<string, string | number | boolean>;
}

/** One function from its built folder. */
export function functionPlan(buildDir: string, name: string): FunctionPlan {
  const dir = path.join(buildDir, name);
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as FunctionConfig;
  const refused = triggerConfigError(config.triggers ?? []);
  if (refused) throw new PlanError(`${name}/config.json: ${refused} / 触发器配置不被微信接受（仅一个定时触发器）`);
  const triggers = (config.triggers ?? []).map((t) => {
    if (t.config.trim().split(/\s+/).length !== 7)
      throw new PlanError(`${name}/config.json: trigger "${t.name}" needs a 7-field cron (second minute hour day month weekday year), got "${t.config}" / 定时触发器需 7 段 cron`);
    return { name: t.name, type: 'timer' as const, config: t.config };
  });
  const hash = createHash('sha256');
  for (const file of ['index.js', 'package.json']) hash.update(readFileSync(path.join(dir, file)));
  const codeSha256 = hash.digest('hex');
  const envVariables: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.envVariables ?? {})) envVariables[k] = String(v);
  envVariables[CODE_DIGEST_VAR] = codeSha256;
  const timeout = config.timeout ?? CLOUD_DEFAULT_TIMEOUT_S;
  if (envVariables[SDK_TIMEOUT_VAR] !== undefined) {
    let sdkMs: number;
    try {
      sdkMs = sdkTimeoutMs(envVariables[SDK_TIMEOUT_VAR]);
    } catch (e) {
      throw new PlanError(`${name}/config.json: ${(e as Error).message}`);
    }
    if (sdkMs >= timeout * 1000)
      throw new PlanError(`${name}/config.json: ${SDK_TIMEOUT_VAR} ${sdkMs} ms must be below the function's timeout (${timeout} s) / SDK 超时须短于函数超时`);
  }
  return {
    name,
    dir,
    runtime: config.runtime ?? DEFAULT_RUNTIME,
    handler: 'index.main',
    timeout,
    memorySize: config.memorySize ?? DEFAULT_MEMORY_MB,
    triggers,
    openapi: [...(config.permissions?.openapi ?? [])],
    envVariables,
    codeSha256,
  };
}

/** Every function under build/cloudfunctions (a folder with index.js and config.json). */
export function functionNames(buildDir: string): string[] {
  if (!existsSync(buildDir)) throw new PlanError(`${buildDir} does not exist: run \`npm run build\` first / 请先运行 npm run build`);
  const names = readdirSync(buildDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(path.join(buildDir, e.name, 'index.js')) && existsSync(path.join(buildDir, e.name, 'config.json')))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new PlanError(`no built function under ${buildDir}: run \`npm run build\` first / 请先运行 npm run build`);
  return names;
}

/** The shop bootstrap file given with --shop. */
export interface ShopFile {
  settings: Record<string, unknown>;
  staff?: { _id: string; roles: string[]; name?: string }[];
  /** Courier account for pickups (logistics.addOrder's deliveryId + bizId, bound in 物流助手); kept as settings.logistics.accounts[0]. */
  carrierAccount?: { deliveryId: string; bizId: string };
}

const ROLES = new Set(['MERCHANT', 'ARBITER', 'ADMIN']);

export function readShopFile(file: string): ShopFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PlanError(`--shop ${file}: cannot read it as JSON (${(err as Error).message}) / 店铺文件无法读取`);
  }
  const shop = raw as ShopFile;
  const problems: string[] = [];
  if (!shop || typeof shop !== 'object' || !shop.settings || typeof shop.settings !== 'object') problems.push('"settings" (an object) is required');
  for (const [i, s] of (shop?.staff ?? []).entries()) {
    if (!s || typeof s._id !== 'string' || !s._id) problems.push(`staff[${i}]._id (the staff member's openid) is required`);
    if (!Array.isArray(s?.roles) || s.roles.length === 0 || s.roles.some((r) => !ROLES.has(r))) problems.push(`staff[${i}].roles must be some of MERCHANT, ARBITER, ADMIN`);
  }
  if (shop?.carrierAccount && (typeof shop.carrierAccount.deliveryId !== 'string' || typeof shop.carrierAccount.bizId !== 'string'))
    problems.push('carrierAccount needs deliveryId and bizId (strings)');
  if (problems.length) throw new PlanError(`--shop ${file}: ${problems.join('; ')} / 店铺文件格式有误`);
  return shop;
}

function shopDocuments(shop: ShopFile): DocumentPlan[] {
  const settings = { ...shop.settings, ...(shop.carrierAccount ? { logistics: { accounts: [{ ...shop.carrierAccount }] } } : {}) };
  return [
    { collection: 'settings', id: 'shop', data: settings },
    ...(shop.staff ?? []).map((s) => ({ collection: 'staff' as const, id: s._id, data: { roles: [...s.roles], ...(s.name ? { name: s.name } : {}) } })),
  ];
}

function manualSteps(shop: ShopFile | undefined, functions: FunctionPlan[]): string[] {
  const withOpenapi = functions.filter((f) => f.openapi.length > 0).map((f) => f.name);
  return [
    'project.config.json: your own appid (touristappid cannot use Cloud Development); miniprogram/aftersale/config.ts: envId and subscribeTemplates / 填写自己的 appid、envId 与订阅消息模板 id',
    `openapi permissions (config.json "permissions.openapi" of ${withOpenapi.join(', ')}): no server API sets them; upload each function once from WeChat devtools (右键 → 上传并部署：云端安装依赖), which reads config.json / 云调用权限需在开发者工具上传一次函数方可生效`,
    '云开发控制台 → 设置 → 微信支付配置: bind the merchant number and grant it the refund permission; put it in settings.pay.subMchId / 绑定商户号并授权退款',
    'subscribe-message templates (statusChanged, reminder) with fields character_string1, phrase2, thing3, time4: create them in the mini-program admin and put their ids in settings.templates / 申请订阅消息模板并填入 settings.templates',
    ...(shop
      ? []
      : [
          'no --shop file: create the settings document (_id "shop") and the staff documents yourself, or run deploy again with --shop <file> / 未提供 --shop：请自行创建 settings 与 staff 文档',
        ]),
  ];
}

export interface PlanInput {
  envId: string;
  buildDir: string;
  shop?: ShopFile;
}

export function buildPlan({ envId, buildDir, shop }: PlanInput): DeployPlan {
  const functions = functionNames(buildDir).map((n) => functionPlan(buildDir, n));
  return {
    envId,
    functions,
    collections: databasePlan(),
    storage: { permission: 'PRIVATE' },
    documents: shop ? shopDocuments(shop) : [],
    ...(shop?.carrierAccount ? { carrierAccounts: true } : {}),
    manual: manualSteps(shop, functions),
  };
}

/** How many things the plan puts in place (functions, triggers, collections, indexes, rules, documents). */
export function planSize(plan: DeployPlan): Record<string, number> {
  return {
    functions: plan.functions.length,
    triggers: plan.functions.reduce((n, f) => n + f.triggers.length, 0),
    collections: plan.collections.length,
    indexes: plan.collections.reduce((n, c) => n + c.indexes.length, 0),
    rules: plan.collections.length + 1,
    documents: plan.documents.length,
    manual: plan.manual.length,
  };
}

const keysText = (keys: Record<string, 1 | -1>) =>
  Object.entries(keys)
    .map(([k, d]) => `${k} ${d === 1 ? 'asc' : 'desc'}`)
    .join(', ');
const ruleText = (r: Rule) => JSON.stringify(r);

/** The plan as `--dry-run` prints it. */
export function formatPlan(plan: DeployPlan): string {
  const out: string[] = [];
  const size = planSize(plan);
  out.push(`Deploy plan for environment ${plan.envId} / 部署计划`);
  out.push(
    `${size.functions} functions, ${size.triggers} timer triggers, ${size.collections} collections, ${size.indexes} indexes, ${size.rules} rules, ${size.documents} documents, ${size.manual} steps for a person`,
  );
  out.push('', 'Functions / 云函数:');
  for (const f of plan.functions) {
    out.push(`  ${f.name}: ${f.runtime}, timeout ${f.timeout} s, memory ${f.memorySize} MB, code sha256 ${f.codeSha256.slice(0, 12)}`);
    for (const t of f.triggers) out.push(`    trigger ${t.name} (${t.type}) "${t.config}"`);
    if (f.openapi.length) out.push(`    openapi: ${f.openapi.join(', ')}`);
  }
  out.push('', 'Collections / 集合 (indexes; security rule):');
  for (const c of plan.collections) {
    out.push(`  ${c.name}: rule ${ruleText(c.rule)}`);
    for (const ix of c.indexes) out.push(`    index ${ix.name}: ${keysText(ix.keys)}${ix.unique ? ' (unique)' : ''}`);
  }
  out.push('', `Storage / 云存储: ${plan.storage.permission} (仅创建者可读写)`);
  out.push('', 'Documents / 初始数据 (written only if absent):');
  if (plan.documents.length === 0) out.push('  (none: no --shop file)');
  for (const d of plan.documents) out.push(`  ${d.collection}/${d.id}`);
  out.push('', 'Still for a person / 仍需人工完成:');
  plan.manual.forEach((m, i) => out.push(`  ${i + 1}. ${m}`));
  return out.join('\n');
}
