/**
 * Contract between the emulator's parts. The core (server, admin wire,
 * database, storage, persistence, stats) implements `Emulator`; the other
 * parts (functions runner, timers, openapi, pay sandbox) are installed onto it
 * with `install*(emu)` functions that register admin actions and HTTP routes.
 */
import type { IncomingMessage } from 'node:http';
import type { VirtualClock } from './clock';

/** One request the real SDK sent to `/admin...`, already decoded. */
export interface AdminRequest {
  action: string;
  /** JSON body fields, or multipart text fields (for wx.openApi / wx.wxPayApi). */
  params: Record<string, any>;
  /** Multipart binary parts by field name (wx.openApi `data`, wx.wxPayApi `requestData`, ...). */
  files: Record<string, Buffer>;
  /** Worker id taken from the URL path `/admin/w/<workerId>`, if any. */
  workerId?: string;
  /** Query string of the request (env, seqId...). */
  query: Record<string, string>;
}

/** What the admin endpoint sends back. */
export type AdminReply =
  | { kind: 'json'; body: unknown }
  | { kind: 'raw'; contentType: string; body: Buffer };

export type ActionHandler = (req: AdminRequest) => Promise<AdminReply>;

export interface HttpResult {
  status: number;
  json?: unknown;
  raw?: { contentType: string; body: Buffer };
}

export type RouteHandler = (
  req: IncomingMessage,
  body: Buffer,
  params: Record<string, string>,
) => Promise<HttpResult>;

/** Server-side access to the document store, for the other emulator parts (not via the SDK). */
export interface EmulatorDb {
  find(collection: string, query?: Record<string, unknown>): Promise<Record<string, any>[]>;
  insert(collection: string, docs: Record<string, any>[]): Promise<void>;
  update(collection: string, query: Record<string, unknown>, update: Record<string, unknown>): Promise<number>;
  collections(): Promise<string[]>;
}

export interface InvocationRecord {
  id: string;
  function: string;
  source: string;
  openid?: string;
  startedAt: number;
  durationMs?: number;
  dbRequests: number;
  /** Database requests by action, e.g. { 'database.getDocument': 1 }. */
  dbByAction: Record<string, number>;
  outcome?: 'ok' | 'error' | 'timeout' | 'network-guard';
  action?: string;
}

export interface Stats {
  /** A worker starts one invocation: every admin request on its path counts towards it. */
  begin(workerId: string, inv: Pick<InvocationRecord, 'id' | 'function' | 'source' | 'openid' | 'action'>): void;
  end(workerId: string, outcome: InvocationRecord['outcome']): InvocationRecord | undefined;
  /** Called by the admin endpoint for every request carrying a worker id. */
  count(workerId: string, action: string): void;
  list(): InvocationRecord[];
  reset(): void;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  clock: VirtualClock;
  db: EmulatorDb;
  stats: Stats;
  /** Folder of the built function bundles: <buildDir>/<name>/index.js + config.json. */
  functionsDir: string;
  /** Folder where persistent data lives. */
  dataDir: string;
  registerAction(action: string, handler: ActionHandler): void;
  /** path pattern like '/functions/:name'; exact segments otherwise. */
  registerRoute(method: 'GET' | 'POST' | 'PUT', pattern: string, handler: RouteHandler): void;
  /** Called on close, in reverse order of registration. */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}
