/**
 * npm run deploy (scripts/deploy/): the plan from the real build, the
 * executor against a recording fake of the manager-node client (call order,
 * nothing written on a second run, resume after a failure at every write),
 * the miniprogram-ci route's arguments and its string-reported trigger
 * failure, and a dry run printing the plan with the network refused.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { C, INDEXES } from '../../cloudfunctions/core/data/collections';
import { applyPlan, DeployError, type FunctionDetail, type ManagerClient } from '../../scripts/deploy/apply';
import { realClient, run } from '../../scripts/deploy/cli';
import { CiDeployError, deployViaMiniprogramCi, TRIGGER_OK, type CiModule } from '../../scripts/deploy/miniprogram-ci';
import { buildPlan, CODE_DIGEST_VAR, formatPlan, functionPlan, PlanError, planSize, SECURITY_RULES, type DeployPlan } from '../../scripts/deploy/plan';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = path.join(ROOT, 'build', 'cloudfunctions');
const SRC = path.join(ROOT, 'cloudfunctions');
const sourceFunctions = readdirSync(SRC, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'core' && existsSync(path.join(SRC, e.name, 'index.ts')))
  .map((e) => e.name)
  .sort();
const sourceConfig = (name: string) => JSON.parse(readFileSync(path.join(SRC, name, 'config.json'), 'utf8'));

const SHOP = {
  settings: { templates: { statusChanged: 'tpl-1', reminder: 'tpl-2' }, pay: { subMchId: '1900000109', callbackFunction: 'refundCallback' } },
  staff: [{ _id: 'o_merchant', roles: ['MERCHANT'], name: '店长' }],
  carrierAccount: { deliveryId: 'SF', bizId: 'SF_CASH' },
};

let work: string;
let plan: DeployPlan;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deploy-test-'));
  plan = buildPlan({ envId: 'test-env', buildDir: BUILD, shop: SHOP });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ------------------------------------------------------------------ a recording fake of the manager client

const WRITES = new Set(['createFunction', 'updateFunctionCode', 'updateFunctionConfig', 'createFunctionTriggers', 'updateCollection', 'modifyResourcePermission', 'documents.set']);

interface Fake {
  client: ManagerClient;
  calls: { method: string; resource: string; args: unknown[] }[];
  functions: Map<
    string,
    Required<Pick<FunctionDetail, 'Runtime' | 'Timeout' | 'MemorySize'>> & {
      Status?: string;
      vars: Record<string, string>;
      triggers: { TriggerName: string; Type: string; TriggerDesc: string }[];
    }
  >;
  collections: Map<string, string[]>;
  rules: Map<string, string>;
  storage: { Resource: string; Permission: string };
  documents: Map<string, Record<string, unknown>>;
  /** What queryReturns { action: 'carrierAccounts' } answers (default: every account bound). */
  carriers?: { deliveryId: string; bizId: string; bound: boolean; status: string }[];
  /** Throw (once) on the n-th write call counted from 1. */
  failOnWrite?: number;
  writes: number;
}

function fake(): Fake {
  const f: Fake = {
    client: null as unknown as ManagerClient,
    calls: [],
    functions: new Map(),
    collections: new Map(),
    rules: new Map(),
    storage: { Resource: '6465-test-env-1300000000', Permission: 'READONLY' },
    documents: new Map(),
    writes: 0,
  };
  const rec = (method: string, resource: string, args: unknown[]) => {
    f.calls.push({ method, resource, args });
    if (WRITES.has(method)) {
      f.writes++;
      if (f.failOnWrite === f.writes) {
        f.failOnWrite = undefined;
        throw Object.assign(new Error('[TencentCloudSDKException] Internal error'), { code: 'InternalError', requestId: 'req-1' });
      }
    }
  };
  f.client = {
    functions: {
      async getFunctionDetail(name) {
        rec('getFunctionDetail', name, [name]);
        const fn = f.functions.get(name);
        if (!fn) throw Object.assign(new Error(`函数 ${name} 不存在`), { code: 'ResourceNotFound.Function' });
        return {
          Status: fn.Status ?? 'Active',
          Runtime: fn.Runtime,
          Timeout: fn.Timeout,
          MemorySize: fn.MemorySize,
          Environment: { Variables: Object.entries(fn.vars).map(([Key, Value]) => ({ Key, Value })) },
          Triggers: fn.triggers,
        };
      },
      async createFunction(p) {
        rec('createFunction', p.func.name, [p]);
        f.functions.set(p.func.name, {
          Runtime: p.func.runtime,
          Timeout: p.func.timeout,
          MemorySize: p.func.memorySize,
          vars: { ...p.func.envVariables },
          triggers: p.func.triggers.map((t) => ({ TriggerName: t.name, Type: t.type, TriggerDesc: t.config })),
        });
      },
      async updateFunctionCode(p) {
        rec('updateFunctionCode', p.func.name, [p]);
      },
      async updateFunctionConfig(func) {
        rec('updateFunctionConfig', func.name, [func]);
        const fn = f.functions.get(func.name)!;
        Object.assign(fn, { Timeout: func.timeout, MemorySize: func.memorySize, vars: { ...func.envVariables } });
      },
      async createFunctionTriggers(name, triggers) {
        rec('createFunctionTriggers', name, [name, triggers]);
        f.functions.get(name)!.triggers.push(...triggers.map((t) => ({ TriggerName: t.name, Type: t.type, TriggerDesc: t.config })));
      },
      async invokeFunction(name, params) {
        rec('invokeFunction', name, [name, params]);
        const accounts = f.carriers ?? [{ deliveryId: 'SF', bizId: 'SF_CASH', bound: true, status: '已绑定' }];
        return { RetMsg: JSON.stringify({ ok: true, data: { accounts } }) };
      },
    },
    database: {
      async createCollectionIfNotExists(name) {
        rec('createCollectionIfNotExists', name, [name]);
        const had = f.collections.has(name);
        if (!had) f.collections.set(name, ['_id_']);
        return { IsCreated: !had };
      },
      async describeCollection(name) {
        rec('describeCollection', name, [name]);
        return { Indexes: (f.collections.get(name) ?? []).map((Name) => ({ Name })) };
      },
      async updateCollection(name, info) {
        rec('updateCollection', name, [name, info]);
        f.collections.get(name)!.push(...info.CreateIndexes.map((ix) => ix.IndexName));
      },
    },
    permission: {
      async describeResourcePermission(o) {
        rec('describeResourcePermission', o.resourceType, [o]);
        if (o.resourceType === 'storage') return { Data: { PermissionList: [{ ...f.storage }] } };
        return { Data: { PermissionList: [...f.rules].map(([Resource, SecurityRule]) => ({ Resource, Permission: 'CUSTOM', SecurityRule })) } };
      },
      async modifyResourcePermission(o) {
        rec('modifyResourcePermission', o.resource, [o]);
        if (o.resourceType === 'storage') f.storage.Permission = o.permission;
        else f.rules.set(o.resource, o.securityRule!);
      },
    },
    documents: {
      async get(c, id) {
        rec('documents.get', `${c}/${id}`, [c, id]);
        return f.documents.get(`${c}/${id}`) ?? null;
      },
      async set(c, id, data) {
        rec('documents.set', `${c}/${id}`, [c, id, data]);
        f.documents.set(`${c}/${id}`, { _id: id, ...data });
      },
    },
  };
  return f;
}

const writesOf = (f: Fake) => f.calls.filter((c) => WRITES.has(c.method)).map((c) => `${c.method} ${c.resource}`);
const state = (f: Fake) =>
  JSON.stringify({
    fn: [...f.functions].sort(),
    coll: [...f.collections].map(([k, v]) => [k, [...v].sort()]).sort(),
    rules: [...f.rules].sort(),
    storage: f.storage,
    docs: [...f.documents].sort(),
  });

// ------------------------------------------------------------------ the plan

describe('the deploy plan from the real build', () => {
  it('has every function of cloudfunctions/ with its config.json timeout, trigger and openapi permissions, and the runtime', () => {
    expect(plan.functions.map((f) => f.name)).toEqual(sourceFunctions);
    for (const f of plan.functions) {
      const cfg = sourceConfig(f.name);
      expect(f.timeout).toBe(cfg.timeout);
      expect(f.runtime).toBe('Nodejs16.13');
      expect(f.handler).toBe('index.main');
      expect(f.dir).toBe(path.join(BUILD, f.name));
      expect(f.openapi).toEqual(cfg.permissions.openapi);
      expect(f.triggers).toEqual(cfg.triggers ?? []);
      expect(f.envVariables[CODE_DIGEST_VAR]).toMatch(/^[0-9a-f]{64}$/);
    }
    const sweep = plan.functions.find((f) => f.name === 'sweepTimeouts')!;
    expect(sweep.timeout).toBe(60);
    expect(sweep.triggers).toEqual([{ name: 'sweep', type: 'timer', config: '0 * * * * * *' }]);
    expect(plan.functions.find((f) => f.name === 'applyReturn')!.timeout).toBe(20);
  });

  it("refuses, before anything is deployed, a function's triggers WeChat would refuse (the emulator's rule: one timer trigger, a valid name) and an SDK timeout not below the function's", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-triggers-'));
    try {
      const fn = (triggers: unknown[]) => {
        writeFileSync(path.join(dir, 'f', 'config.json'), JSON.stringify({ timeout: 10, triggers }));
        return () => functionPlan(dir, 'f');
      };
      mkdirSync(path.join(dir, 'f'));
      for (const file of ['index.js', 'package.json']) writeFileSync(path.join(dir, 'f', file), '{}');
      const sweep = { name: 'sweep', type: 'timer', config: '0 * * * * * *' };
      expect(fn([sweep])().triggers).toEqual([sweep]);
      expect(fn([sweep, { ...sweep, name: 'outbox' }])).toThrow(PlanError);
      expect(fn([sweep, { ...sweep, name: 'outbox' }])).toThrow(/one trigger per function/);
      expect(fn([{ ...sweep, type: 'cos' }])).toThrow(/only timer/);
      expect(fn([{ ...sweep, name: '1sweep' }])).toThrow(/starting with a letter/);
      const withTimeout = (value: string) => {
        writeFileSync(path.join(dir, 'f', 'config.json'), JSON.stringify({ timeout: 10, envVariables: { AFTERSALES_SDK_TIMEOUT_MS: value } }));
        return () => functionPlan(dir, 'f');
      };
      expect(withTimeout('3000')().envVariables.AFTERSALES_SDK_TIMEOUT_MS).toBe('3000');
      expect(withTimeout('10000')).toThrow(/must be below the function's timeout \(10 s\)/);
      expect(withTimeout('3s')).toThrow(/1000 到 60000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has every collection of collections.ts (ledgers too) with every index and a security rule', () => {
    expect(plan.collections.map((c) => c.name).sort()).toEqual(Object.values(C).sort());
    expect(plan.collections.map((c) => c.name)).toContain('ledgers');
    for (const c of plan.collections) {
      expect(c.indexes).toEqual((INDEXES[c.name] ?? []).map((ix) => ({ name: ix.name, keys: ix.keys, unique: ix.unique === true })));
      expect(c.rule).toEqual(SECURITY_RULES[c.name]);
    }
    expect(plan.collections.find((c) => c.name === 'orders')!.rule).toEqual({ read: 'doc.buyerOpenid == auth.openid', write: false });
    expect(plan.collections.find((c) => c.name === 'returns')!.rule).toEqual({ read: false, write: false });
  });

  it('has the shop bootstrap (settings with the carrier account, staff) and the steps for a person', () => {
    expect(plan.documents).toEqual([
      { collection: 'settings', id: 'shop', data: { ...SHOP.settings, logistics: { accounts: [{ deliveryId: 'SF', bizId: 'SF_CASH' }] } } },
      { collection: 'staff', id: 'o_merchant', data: { roles: ['MERCHANT'], name: '店长' } },
    ]);
    expect(plan.manual.join('\n')).toMatch(/appid/);
    expect(plan.manual.join('\n')).toMatch(/微信支付配置/);
    expect(planSize(plan)).toEqual({
      functions: sourceFunctions.length,
      triggers: 1,
      collections: Object.keys(C).length,
      indexes: Object.values(INDEXES).flat().length,
      rules: Object.keys(C).length + 1,
      documents: 2,
      manual: 4,
    });
  });
});

// ------------------------------------------------------------------ the executor

describe('applyPlan against a recording fake of manager-node', () => {
  it('on an empty environment: functions with config and triggers, then collections and missing indexes, rules, documents — in that order', async () => {
    const f = fake();
    const lines: string[] = [];
    const report = await applyPlan(plan, f.client, BUILD, { log: (l) => lines.push(l) });
    const fnNames = plan.functions.map((p) => p.name);
    const expected = [
      ...fnNames.flatMap((n) => [`getFunctionDetail ${n}`, `createFunction ${n}`]),
      ...plan.collections.flatMap((c) => [`createCollectionIfNotExists ${c.name}`, ...(c.indexes.length ? [`describeCollection ${c.name}`, `updateCollection ${c.name}`] : [])]),
      'describeResourcePermission collection',
      ...plan.collections.map((c) => `modifyResourcePermission ${c.name}`),
      'describeResourcePermission storage',
      'modifyResourcePermission 6465-test-env-1300000000',
      'documents.get settings/shop',
      'documents.set settings/shop',
      'documents.get staff/o_merchant',
      'documents.set staff/o_merchant',
      // the carrier account of the --shop file, checked against logistics.getAllAccount by a deployed function
      'invokeFunction queryReturns',
    ];
    expect(f.calls.map((c) => `${c.method} ${c.resource}`)).toEqual(expected);
    const create = f.calls.find((c) => c.method === 'createFunction' && c.resource === 'sweepTimeouts')!.args[0] as Record<string, unknown>;
    expect(create).toMatchObject({
      functionRootPath: BUILD,
      force: false,
      func: {
        name: 'sweepTimeouts',
        runtime: 'Nodejs16.13',
        handler: 'index.main',
        timeout: 60,
        installDependency: true,
        triggers: [{ name: 'sweep', type: 'timer', config: '0 * * * * * *' }],
      },
    });
    const idx = f.calls.find((c) => c.method === 'updateCollection' && c.resource === 'returns')!.args[1] as { CreateIndexes: unknown[]; DropIndexes?: unknown };
    expect(idx.CreateIndexes[1]).toEqual({
      IndexName: 'buyer_created',
      MgoKeySchema: {
        MgoIndexKeys: [
          { Name: 'buyerOpenid', Direction: '1' },
          { Name: 'createdAt', Direction: '-1' },
        ],
        MgoIsUnique: false,
      },
    });
    expect(idx.DropIndexes).toBeUndefined();
    expect(f.rules.get('orders')).toBe('{"read":"doc.buyerOpenid == auth.openid","write":false}');
    expect(f.storage.Permission).toBe('PRIVATE');
    expect(report.changed).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^\[1\/\d+\] \+ function \w+: created: Nodejs16\.13/);
    expect(lines.some((l) => /^\[\d+\/\d+\] \+ function applyReturn: created: Nodejs16\.13, timeout 20 s/.test(l))).toBe(true);
    expect(lines.some((l) => /function sweepTimeouts: created: .*timeout 60 s.*trigger sweep "0 \* \* \* \* \* \*"/.test(l))).toBe(true);
  });

  it('a second run writes nothing and says so', async () => {
    const f = fake();
    await applyPlan(plan, f.client, BUILD);
    f.calls.length = 0;
    const report = await applyPlan(plan, f.client, BUILD);
    expect(writesOf(f)).toEqual([]);
    expect(report.changed).toBe(0);
    expect(report.results.every((r) => r.did === 'unchanged')).toBe(true);
  });

  it('resumes after a failure at each write: the failure names step and resource, the next run finishes, nothing done twice', async () => {
    const clean = fake();
    await applyPlan(plan, clean.client, BUILD);
    const allWrites = writesOf(clean);
    expect(allWrites.length).toBe(plan.functions.length + plan.collections.filter((c) => c.indexes.length).length + plan.collections.length + 1 + plan.documents.length);
    for (let k = 1; k <= allWrites.length; k++) {
      const f = fake();
      f.failOnWrite = k;
      const failed = await applyPlan(plan, f.client, BUILD).then(
        () => null,
        (e) => e,
      );
      const [method, resource] = allWrites[k - 1].split(' ');
      if (method === 'modifyResourcePermission') {
        // rules the API refuses become console steps, not failures
        expect(failed).toBeNull();
      } else {
        expect(failed).toBeInstanceOf(DeployError);
        expect((failed as DeployError).resource).toContain(resource);
        expect((failed as DeployError).message).toMatch(/failed: InternalError/);
        expect((failed as DeployError).message).toMatch(/Run the same command again/);
      }
      const before = writesOf(f).slice(0, k - 1);
      f.calls.length = 0;
      await applyPlan(plan, f.client, BUILD);
      const resumed = writesOf(f);
      for (const done of before) expect(resumed).not.toContain(done);
      expect(state(f)).toBe(state(clean));
    }
  });

  it('a new build uploads only the changed code; a 3 s timeout is set back; an extra index and trigger are left alone', async () => {
    const f = fake();
    await applyPlan(plan, f.client, BUILD);
    f.functions.get('queryReturns')!.Timeout = 3;
    f.functions.get('sweepTimeouts')!.triggers = [{ TriggerName: 'nightly', Type: 'timer', TriggerDesc: '0 0 2 * * * *' }];
    f.collections.get('returns')!.push('my_own_index');
    const changed = structuredClone(plan);
    const applyReturn = changed.functions.find((p) => p.name === 'applyReturn')!;
    applyReturn.codeSha256 = 'f'.repeat(64);
    applyReturn.envVariables[CODE_DIGEST_VAR] = applyReturn.codeSha256;
    f.calls.length = 0;
    const report = await applyPlan(changed, f.client, BUILD);
    expect(writesOf(f)).toEqual([
      'updateFunctionCode applyReturn',
      'updateFunctionConfig applyReturn',
      'updateFunctionConfig queryReturns',
      'createFunctionTriggers sweepTimeouts',
    ]);
    expect(f.functions.get('queryReturns')!.Timeout).toBe(20);
    expect(f.functions.get('sweepTimeouts')!.triggers.map((t) => t.TriggerName)).toEqual(['nightly', 'sweep']);
    expect(f.collections.get('returns')).toContain('my_own_index');
    expect(report.results.find((r) => r.resource === 'queryReturns')!.detail).toBe('timeout 3 → 20 s');
  });

  it('a function an earlier run left CreateFailed is created again', async () => {
    const f = fake();
    await applyPlan(plan, f.client, BUILD);
    f.functions.get('uploadEvidence')!.Status = 'CreateFailed';
    f.calls.length = 0;
    await applyPlan(plan, f.client, BUILD);
    expect(writesOf(f)).toEqual(['createFunction uploadEvidence']);
  });

  it('bootstrap documents are kept when present, replaced only with --overwrite-settings', async () => {
    const f = fake();
    f.documents.set('settings/shop', { _id: 'shop', templates: { statusChanged: 'mine' } });
    await applyPlan(plan, f.client, BUILD);
    expect(f.documents.get('settings/shop')).toEqual({ _id: 'shop', templates: { statusChanged: 'mine' } });
    await applyPlan(plan, f.client, BUILD, { overwriteSettings: true });
    expect(f.documents.get('settings/shop')).toEqual({ _id: 'shop', ...plan.documents[0].data });
  });

  it('a carrier account WeChat does not list as bound is a step for a person, not a failure', async () => {
    const f = fake();
    f.carriers = [{ deliveryId: 'SF', bizId: 'SF_CASH', bound: false, status: '未在「物流助手」绑定' }];
    const report = await applyPlan(plan, f.client, BUILD);
    expect(f.calls.find((c) => c.method === 'invokeFunction')?.args).toEqual(['queryReturns', { action: 'carrierAccounts' }]);
    expect(report.manual.some((m) => m.includes('SF/SF_CASH: 未在「物流助手」绑定'))).toBe(true);
  });

  it('errors say what to do: wrong key, no permission, wrong environment', async () => {
    const cases: [string, RegExp][] = [
      ['AuthFailure.SignatureFailure', /TENCENTCLOUD_SECRETID/],
      ['UnauthorizedOperation', /QcloudTCBFullAccess/],
      ['ResourceNotFound.Env', /--env/],
    ];
    for (const [code, hint] of cases) {
      const f = fake();
      f.client.functions.getFunctionDetail = async () => {
        throw Object.assign(new Error('refused'), { code });
      };
      const e = await applyPlan(plan, f.client, BUILD).catch((x) => x);
      expect(e).toBeInstanceOf(DeployError);
      expect(e.step).toBe('function');
      expect(e.resource).toBe(plan.functions[0].name);
      expect(e.message).toMatch(hint);
    }
  });
});

// ------------------------------------------------------------------ miniprogram-ci

function fakeCi(triggerAnswer = TRIGGER_OK) {
  const calls: { what: string; options: any }[] = [];
  const ci: CiModule = {
    Project: class {
      constructor(options: unknown) {
        calls.push({ what: 'Project', options });
      }
    } as unknown as CiModule['Project'],
    cloud: {
      async uploadFunction(options) {
        calls.push({ what: 'uploadFunction', options });
        return { filesCount: 4, packSize: 100_000 };
      },
      async createTimeTrigger(options) {
        calls.push({ what: 'createTimeTrigger', options });
        return triggerAnswer;
      },
    },
  };
  return { ci, calls };
}

describe('--via miniprogram-ci', () => {
  it('uploads every built function (云端安装依赖) and creates the timer trigger, then prints the timeouts to set', async () => {
    const { ci, calls } = fakeCi();
    const report = await deployViaMiniprogramCi(plan, ci, { appid: 'wx0123456789abcdef', privateKeyPath: '/keys/private.key', projectPath: ROOT });
    expect(calls[0]).toEqual({
      what: 'Project',
      options: { appid: 'wx0123456789abcdef', type: 'miniProgram', projectPath: ROOT, privateKeyPath: '/keys/private.key', ignores: ['node_modules/**/*'] },
    });
    const uploads = calls.filter((c) => c.what === 'uploadFunction').map((c) => ({ ...c.options, project: undefined }));
    expect(uploads).toEqual(sourceFunctions.map((name) => ({ project: undefined, env: 'test-env', name, path: path.join(BUILD, name), remoteNpmInstall: true })));
    const triggers = calls.filter((c) => c.what === 'createTimeTrigger').map((c) => ({ ...c.options, project: undefined }));
    expect(triggers).toEqual([
      { project: undefined, envId: 'test-env', functionName: 'sweepTimeouts', triggersConfig: [{ name: 'sweep', type: 'timer', config: '0 * * * * * *' }] },
    ]);
    expect(report.uploaded).toEqual(sourceFunctions);
    const manual = report.manual.join('\n');
    expect(manual).toContain('sweepTimeouts: 超时时间 60 秒');
    expect(manual).toContain('applyReturn: 超时时间 20 秒');
    expect(manual).toContain('returns.buyer_created: {"buyerOpenid":1,"createdAt":-1}');
    expect(manual).toContain('orders: {"read":"doc.buyerOpenid == auth.openid","write":false}');
  });

  it('a trigger refused as a returned string is a failure naming the function and trigger', async () => {
    const { ci } = fakeCi('请检查传入的 triggersConfig 是否符合格式');
    const e = await deployViaMiniprogramCi(plan, ci, { appid: 'wx0123456789abcdef', privateKeyPath: '/k', projectPath: ROOT }).catch((x) => x);
    expect(e).toBeInstanceOf(CiDeployError);
    expect(e.message).toContain('createTimeTrigger sweepTimeouts/sweep');
    expect(e.message).toContain('请检查传入的 triggersConfig 是否符合格式');
  });

  it('the command refuses without --appid / --private-key, and passes them through', async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(await run(['--env', 'test-env', '--via', 'miniprogram-ci'], { env: {}, out: (l) => out.push(l), err: (l) => err.push(l), buildDir: BUILD })).toBe(2);
    expect(err.join('\n')).toContain('--appid');
    const { ci, calls } = fakeCi();
    expect(
      await run(['--env', 'test-env', '--via', 'miniprogram-ci', '--appid', 'wx1', '--private-key', 'k.key'], {
        env: {},
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        buildDir: BUILD,
        ci: () => ci,
      }),
    ).toBe(0);
    expect(calls[0].options.privateKeyPath).toBe(path.resolve('k.key'));
    expect(out.join('\n')).toContain('超时时间 60 秒');
  });
});

// ------------------------------------------------------------------ the command

describe('npm run deploy (scripts/deploy/cli.ts)', () => {
  const runCli = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/deploy/cli.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: e.stdout ?? '', err: e.stderr ?? '' }),
    );

  it('--dry-run prints the whole plan with no credentials and the network refused', async () => {
    const shopFile = path.join(work, 'shop.json');
    writeFileSync(shopFile, JSON.stringify(SHOP));
    const guardLog = path.join(work, 'refused.log');
    const res = await runCli(['--env', 'test-env', '--dry-run', '--shop', shopFile], {
      NODE_OPTIONS: `--require ${path.join(ROOT, 'scripts/miniprogram/net-guard.cjs')}`,
      NET_GUARD_LOG: guardLog,
    });
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toBe(`${formatPlan(plan)}\n\nDry run: nothing was sent anywhere / 仅预览，未连接任何服务\n`);
    for (const f of sourceFunctions) expect(res.out).toContain(`  ${f}: Nodejs16.13, timeout ${sourceConfig(f).timeout} s`);
    for (const [coll, list] of Object.entries(INDEXES)) {
      expect(res.out).toContain(`  ${coll}: rule`);
      for (const ix of list) expect(res.out).toContain(`    index ${ix.name}: `);
    }
    expect(res.out).toContain('trigger sweep (timer) "0 * * * * * *"');
    expect(res.out).toContain('settings/shop');
    expect(existsSync(guardLog)).toBe(false);
  }, 60_000);

  it('without credentials it refuses with what to do, exit 2; a bad --shop file is named', async () => {
    const res = await runCli(['--env', 'test-env'], {});
    expect(res.code).toBe(2);
    expect(res.err).toContain('missing TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY');
    expect(res.err).toContain('缺少 API 密钥');
    const bad = path.join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ settings: {}, staff: [{ _id: 'o1', roles: ['OWNER'] }] }));
    const out: string[] = [];
    expect(await run(['--env', 'e', '--dry-run', '--shop', bad], { env: {}, out: (l) => out.push(l), err: (l) => out.push(l), buildDir: BUILD })).toBe(2);
    expect(out.join('\n')).toContain('staff[0].roles must be some of MERCHANT, ARBITER, ADMIN');
  }, 60_000);

  it('the real client is manager-node (functions, database, permission) plus node-sdk documents, built without a network call', () => {
    const c = realClient('test-env', { TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'key' });
    for (const m of ['getFunctionDetail', 'createFunction', 'updateFunctionCode', 'updateFunctionConfig', 'createFunctionTriggers'] as const)
      expect(typeof c.functions[m]).toBe('function');
    for (const m of ['createCollectionIfNotExists', 'describeCollection', 'updateCollection'] as const) expect(typeof c.database[m]).toBe('function');
    for (const m of ['describeResourcePermission', 'modifyResourcePermission'] as const) expect(typeof c.permission[m]).toBe('function');
    expect(typeof c.documents.get).toBe('function');
  });

  it('applies through the client and says so on the second run', async () => {
    const f = fake();
    const out: string[] = [];
    const deps = {
      env: { TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'key' },
      out: (l: string) => out.push(l),
      err: (l: string) => out.push(l),
      buildDir: BUILD,
      client: () => f.client,
    };
    expect(await run(['--env', 'test-env'], deps)).toBe(0);
    expect(out.join('\n')).toMatch(/changes applied/);
    out.length = 0;
    expect(await run(['--env', 'test-env'], deps)).toBe(0);
    expect(out.join('\n')).toContain('Nothing changed: the environment already matches the plan');
    expect(out.join('\n')).toContain('Still for a person');
  });
});
