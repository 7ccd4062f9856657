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
export type AdminReply = { kind: 'json'; body: unknown } | { kind: 'raw'; contentType: string; body: Buffer };

export type ActionHandler = (req: AdminRequest) => Promise<AdminReply>;

export interface HttpResult {
  status: number;
  json?: unknown;
  raw?: { contentType: string; body: Buffer };
}

export type RouteHandler = (req: IncomingMessage, body: Buffer, params: Record<string, string>) => Promise<HttpResult>;

/** Server-side access to the document store, for the other emulator parts (not via the SDK). */
export interface EmulatorDb {
  /** All matching documents (deep copies; Dates stay Dates). A missing collection gives []. */
  find(collection: string, query?: Record<string, unknown>): Promise<Record<string, any>[]>;
  /** Inserts as given (creates the collection if needed); a duplicate `_id` rejects and inserts nothing. */
  insert(collection: string, docs: Record<string, any>[]): Promise<void>;
  /** Mongo update operators (or a plain object = `$set`), every match; resolves to the number of documents changed. */
  update(collection: string, query: Record<string, unknown>, update: Record<string, unknown>): Promise<number>;
  collections(): Promise<string[]>;
  /** Removes every match; resolves to the number removed. */
  remove(collection: string, query: Record<string, unknown>): Promise<number>;
  /** Creates the collection if absent (no error when it exists). */
  createCollection(collection: string): Promise<void>;
  /**
   * Declares an index (persisted). Only `unique` changes behaviour: a write that would give two
   * documents the same values for `fields` fails like MongoDB's E11000 (documents missing every
   * field of the index are not indexed, i.e. the index is sparse).
   */
  ensureIndex(collection: string, fields: string[], options?: { unique?: boolean }): Promise<void>;
}

/** A stored file, as the storage emulator knows it. */
export interface StoredFileInfo {
  /** `cloud://<env>.<bucket>/<cloudPath>` */
  fileID: string;
  cloudPath: string;
  size: number;
  contentType: string;
  /** ms since epoch, virtual clock */
  createdAt: number;
  updatedAt: number;
}

/** Server-side access to cloud storage, for the other emulator parts. */
export interface EmulatorStorage {
  /** Stores (or replaces) a file; what `wx.cloud.uploadFile` / `cloud.uploadFile` end up doing. */
  put(cloudPath: string, content: Buffer, contentType?: string): Promise<StoredFileInfo>;
  /** By fileID (`cloud://...`) or by cloudPath. */
  stat(fileIdOrPath: string): Promise<StoredFileInfo | undefined>;
  read(fileIdOrPath: string): Promise<{ info: StoredFileInfo; content: Buffer } | undefined>;
  remove(fileIdOrPath: string): Promise<boolean>;
  list(prefix?: string): Promise<StoredFileInfo[]>;
  /** fileID the emulator gives to a cloudPath. */
  fileIdFor(cloudPath: string): string;
  /** cloudPath of a fileID (or the argument itself when it is not a `cloud://` id). */
  cloudPathOf(fileIdOrPath: string): string;
  /** A temporary download URL served by the emulator (http://127.0.0.1:<port>/_local/files/...). */
  tempUrlFor(fileIdOrPath: string): string;
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
  /** Every admin request of the invocation (database, storage, openapi, pay...). */
  requests?: number;
  /** Every admin request by action. */
  requestsByAction?: Record<string, number>;
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
  /** The CloudBase env id the emulator answers as (TCB_ENV, fileIDs). */
  envId: string;
  storage: EmulatorStorage;
  registerAction(action: string, handler: ActionHandler): void;
  /**
   * path pattern like '/functions/:name'; exact segments otherwise; a last segment '*' takes the
   * rest of the path (params['*']). Static segments win over ':params', which win over '*'.
   * GET routes also answer HEAD. Bodies above 16 MB get 413.
   */
  registerRoute(method: 'GET' | 'POST' | 'PUT' | 'DELETE', pattern: string, handler: RouteHandler): void;
  /** Called on close, in reverse order of registration. */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}
