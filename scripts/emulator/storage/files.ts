/**
 * Cloud storage: files by cloudPath, persisted under <dataDir>/storage as
 * `blobs/<random name>` plus an `index.json` (both written temp + rename, the
 * index last: a kill leaves at worst an orphan blob, removed at next start).
 *
 * fileIDs look like CloudBase's: `cloud://<env>.<bucket>/<cloudPath>` with
 * bucket `<hex of env's first 2 chars>-<env>-1300000000`; the SDK passes them
 * through untouched, the emulator keys files by cloudPath.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EmulatorStorage, StoredFileInfo } from '../types';

interface Entry {
  cloudPath: string;
  size: number;
  contentType: string;
  createdAt: number;
  updatedAt: number;
  blob?: string;
  content?: Buffer;
}

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  heic: 'image/heic',
  heif: 'image/heif',
  svg: 'image/svg+xml',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  m4v: 'video/x-m4v',
  webm: 'video/webm',
  '3gp': 'video/3gpp',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  amr: 'audio/amr',
  pdf: 'application/pdf',
  txt: 'text/plain',
  json: 'application/json',
  csv: 'text/csv',
  html: 'text/html',
  xml: 'application/xml',
  zip: 'application/zip',
};

export function guessContentType(cloudPath: string): string {
  const ext = cloudPath.split('.').pop()?.toLowerCase() ?? '';
  return MIME[ext] ?? 'application/octet-stream';
}

export function normalizeCloudPath(p: string): string {
  const s = String(p ?? '').replace(/^\/+/, '');
  if (s === '' || s.endsWith('/')) throw new Error(`invalid cloudPath: ${JSON.stringify(p)}`);
  if (s.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) throw new Error(`invalid cloudPath: ${JSON.stringify(p)}`);
  if (s.length > 1024) throw new Error('cloudPath is too long');
  return s;
}

/** In temp URLs: keep the path readable (the SDK encodeURI()s it); escape only what would break a URL. */
export function encodeTempPath(cloudPath: string): string {
  return cloudPath.replace(/%/g, '%25').replace(/\?/g, '%3F').replace(/#/g, '%23');
}

export interface FileStoreOptions {
  /** folder for persistence; undefined = memory only */
  dir?: string;
  envId: string;
  baseUrl: () => string;
  now: () => number;
}

export class FileStore implements EmulatorStorage {
  private entries = new Map<string, Entry>();
  private readonly secret = randomBytes(16);
  private readonly bucket: string;

  constructor(private opts: FileStoreOptions) {
    const env = opts.envId;
    this.bucket = `${Buffer.from(env.slice(0, 2)).toString('hex')}-${env}-1300000000`;
  }

  /** Reads the index; removes blobs it does not reference. */
  load(): void {
    if (!this.opts.dir) return;
    const blobs = path.join(this.opts.dir, 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    const indexPath = path.join(this.opts.dir, 'index.json');
    if (fs.existsSync(indexPath)) {
      const list = JSON.parse(fs.readFileSync(indexPath, 'utf8')) as Entry[];
      for (const e of list) if (e.blob && fs.existsSync(path.join(blobs, e.blob))) this.entries.set(e.cloudPath, e);
    }
    const used = new Set([...this.entries.values()].map((e) => e.blob));
    for (const f of fs.readdirSync(blobs)) if (!used.has(f)) fs.rmSync(path.join(blobs, f), { force: true });
    for (const f of fs.readdirSync(this.opts.dir)) if (f.endsWith('.tmp')) fs.rmSync(path.join(this.opts.dir, f), { force: true });
  }

  wipe(): void {
    if (this.opts.dir) fs.rmSync(this.opts.dir, { recursive: true, force: true });
    this.entries.clear();
  }

  fileIdFor(cloudPath: string): string {
    return `cloud://${this.opts.envId}.${this.bucket}/${cloudPath}`;
  }

  cloudPathOf(fileIdOrPath: string): string {
    const s = String(fileIdOrPath ?? '');
    if (s.startsWith('cloud://')) {
      const rest = s.slice('cloud://'.length);
      const slash = rest.indexOf('/');
      return slash === -1 ? '' : rest.slice(slash + 1);
    }
    return s.replace(/^\/+/, '');
  }

  tempUrlFor(fileIdOrPath: string): string {
    const cloudPath = this.cloudPathOf(fileIdOrPath);
    const t = Math.floor(this.opts.now() / 1000) + 86400;
    const sign = createHmac('sha256', this.secret).update(`${cloudPath}\n${t}`).digest('hex').slice(0, 32);
    return `${this.opts.baseUrl()}/_local/files/${encodeTempPath(cloudPath)}?sign=${sign}&t=${t}`;
  }

  info(e: Entry): StoredFileInfo {
    return {
      fileID: this.fileIdFor(e.cloudPath),
      cloudPath: e.cloudPath,
      size: e.size,
      contentType: e.contentType,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
  }

  // ----- synchronous core (used by the admin actions and routes) -----

  putSync(cloudPathIn: string, content: Buffer, contentType?: string): StoredFileInfo {
    const cloudPath = normalizeCloudPath(cloudPathIn);
    const now = this.opts.now();
    const prev = this.entries.get(cloudPath);
    const e: Entry = {
      cloudPath,
      size: content.length,
      contentType: contentType || guessContentType(cloudPath),
      createdAt: prev?.createdAt ?? now,
      updatedAt: now,
    };
    if (this.opts.dir) {
      const blob = `${randomBytes(12).toString('hex')}`;
      const final = path.join(this.opts.dir, 'blobs', blob);
      const tmp = `${final}.tmp`;
      fs.writeFileSync(tmp, content);
      fs.renameSync(tmp, final);
      e.blob = blob;
      this.entries.set(cloudPath, e);
      this.writeIndex();
      if (prev?.blob) fs.rmSync(path.join(this.opts.dir, 'blobs', prev.blob), { force: true });
    } else {
      e.content = Buffer.from(content);
      this.entries.set(cloudPath, e);
    }
    return this.info(e);
  }

  statSync(fileIdOrPath: string): StoredFileInfo | undefined {
    const e = this.entries.get(this.cloudPathOf(fileIdOrPath));
    return e ? this.info(e) : undefined;
  }

  readSync(fileIdOrPath: string): { info: StoredFileInfo; content: Buffer } | undefined {
    const e = this.entries.get(this.cloudPathOf(fileIdOrPath));
    if (!e) return undefined;
    const content = e.content ?? fs.readFileSync(path.join(this.opts.dir!, 'blobs', e.blob!));
    return { info: this.info(e), content };
  }

  removeSync(fileIdOrPath: string): boolean {
    const cloudPath = this.cloudPathOf(fileIdOrPath);
    const e = this.entries.get(cloudPath);
    if (!e) return false;
    this.entries.delete(cloudPath);
    if (this.opts.dir) {
      this.writeIndex();
      if (e.blob) fs.rmSync(path.join(this.opts.dir, 'blobs', e.blob), { force: true });
    }
    return true;
  }

  listSync(prefix = ''): StoredFileInfo[] {
    return [...this.entries.values()]
      .filter((e) => e.cloudPath.startsWith(prefix))
      .sort((a, b) => (a.cloudPath < b.cloudPath ? -1 : 1))
      .map((e) => this.info(e));
  }

  // ----- EmulatorStorage -----

  async put(cloudPath: string, content: Buffer, contentType?: string) {
    return this.putSync(cloudPath, content, contentType);
  }
  async stat(fileIdOrPath: string) {
    return this.statSync(fileIdOrPath);
  }
  async read(fileIdOrPath: string) {
    return this.readSync(fileIdOrPath);
  }
  async remove(fileIdOrPath: string) {
    return this.removeSync(fileIdOrPath);
  }
  async list(prefix?: string) {
    return this.listSync(prefix);
  }

  private writeIndex(): void {
    const dir = this.opts.dir!;
    const list = [...this.entries.values()].map(({ content: _c, ...rest }) => rest);
    const tmp = path.join(dir, 'index.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(list));
    fs.renameSync(tmp, path.join(dir, 'index.json'));
  }
}
