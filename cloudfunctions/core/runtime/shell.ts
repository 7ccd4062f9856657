/**
 * The thin shell around every function: init the SDK once per process, read the
 * caller from getWXContext (never from the event), run the use case, always
 * return an envelope, log one JSON line per invocation.
 */
import * as cloud from 'wx-server-sdk';
import { Answered, AppError, fail, type Envelope } from './envelope';
import { environmentKey } from './instance-cache';
import { SDK_TIMEOUT_VAR, sdkTimeoutMs } from './sdk-timeout';

let initialised = false;
/** The function's environment variables (Node's process.env, typed without Node's types: the pages' type check reads this file too). */
const functionEnv = (): Record<string, string | undefined> => (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

/** The CloudBase environment this invocation's requests go to, as a key (runtime/instance-cache.ts environmentKey). */
export function currentEnvId(): string {
  return environmentKey(functionEnv());
}

export function sdk(): typeof cloud {
  if (!initialised) {
    const timeout = sdkTimeoutMs(functionEnv()[SDK_TIMEOUT_VAR]);
    // wx-server-sdk 4.0.2 types init() with env a string and database required, and no timeout; the SDK takes the DYNAMIC_CURRENT_ENV symbol and a timeout.
    cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV, timeout } as unknown as Parameters<typeof cloud.init>[0]);
    initialised = true;
  }
  return cloud;
}

export interface Caller {
  openid?: string;
  appid?: string;
  /** Full SOURCE chain, e.g. "wx_client,scf". */
  source: string;
  /** The first segment: who started the chain (wx_client, wx_trigger, wx_paycallback, ...). */
  origin: string;
}

export function readCaller(): Caller {
  const ctx = sdk().getWXContext() as Record<string, string | undefined>;
  const source = ctx.SOURCE ?? '';
  return {
    openid: ctx.OPENID || undefined,
    appid: ctx.APPID || undefined,
    source,
    origin: source.split(',')[0] ?? '',
  };
}

/** A use case returns the envelope (refundCallback returns the platform's `{ errcode }` answer instead). */
export type UseCase = (event: Record<string, unknown>, caller: Caller) => Promise<Envelope | { errcode: number; errmsg: string }>;

export function defineFunction(name: string, run: UseCase) {
  return async function main(event: Record<string, unknown>): Promise<unknown> {
    const started = Date.now();
    let result: Envelope | { errcode: number; errmsg: string };
    let caller: Caller | undefined;
    try {
      caller = readCaller();
      result = await run(event ?? {}, caller);
    } catch (err) {
      if (err instanceof Answered) {
        result = err.envelope;
      } else if (err instanceof AppError) {
        result = fail(err.code, err.message, err.details);
      } else {
        console.error(JSON.stringify({ fn: name, level: 'error', error: String((err as Error)?.stack ?? err) }));
        // A setup mistake, not a passing fault: say what to do (the SDK reports a missing collection as -502005).
        const sdkErr = err as { errCode?: unknown; errMsg?: unknown; message?: unknown } | undefined;
        const missingCollection = Number(sdkErr?.errCode) === -502005 || /COLLECTION_NOT_EXIST/.test(String(sdkErr?.errMsg ?? sdkErr?.message ?? ''));
        result = missingCollection
          ? fail('INTERNAL', '数据库集合尚未创建，请管理员先运行 npm run setup-db', { cause: 'DATABASE_COLLECTION_NOT_EXIST' })
          : fail('INTERNAL', '系统繁忙，请稍后再试');
      }
    }
    console.log(
      JSON.stringify({
        fn: name,
        action: typeof event?.action === 'string' ? event.action : undefined,
        requestId: typeof event?.requestId === 'string' ? event.requestId : undefined,
        returnId: typeof event?.returnId === 'string' ? event.returnId : undefined,
        openid: caller?.openid,
        source: caller?.source,
        outcome: 'errcode' in result ? `errcode:${result.errcode}` : result.ok ? 'ok' : result.error.code,
        ms: Date.now() - started,
      }),
    );
    return result;
  };
}

/** An open-API call (cloud.openapi.<group>.<name>): the SDK's typings do not list them, so they are reached by name here. */
export type OpenApiCall = (params: Record<string, unknown>) => Promise<Record<string, any>>;

export function openapi(name: 'security.imgSecCheck' | 'subscribeMessage.send' | 'logistics.getAllAccount' | 'logistics.addOrder' | 'logistics.cancelOrder'): OpenApiCall {
  const [group, fn] = name.split('.');
  const api = (sdk() as unknown as { openapi: Record<string, Record<string, OpenApiCall>> }).openapi;
  return (params) => api[group][fn](params);
}

/** What the SDK throws: errCode / errMsg (platform errors) or a plain Error. */
export function sdkError(err: unknown): { errCode?: number | string; errMsg?: string; message?: string } {
  return (err && typeof err === 'object' ? err : { message: String(err) }) as { errCode?: number | string; errMsg?: string; message?: string };
}
