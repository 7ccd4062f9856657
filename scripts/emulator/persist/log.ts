/**
 * Crash-safe persistence of the document store under <dataDir>/db:
 *
 * - `snapshot.jsonl`: a full copy (header line, then one log operation per
 *   line). Only ever replaced by write-to-temp + fsync + rename, so it is
 *   always whole.
 * - `log-<gen>.jsonl`: every mutation since that snapshot, one JSON line per
 *   store call (a whole batch: a multi-update or a transaction commit is one
 *   line). Appended with plain writes (no fsync): the OS keeps them if the
 *   process is killed.
 *
 * Startup replays the snapshot, then the log of the same generation; a torn
 * last line (process killed mid-write) is ignored. Compaction (at startup, at
 * close, and whenever the log outgrows the snapshot) writes a new snapshot
 * with generation+1, then starts an empty log and deletes the old one; a kill
 * at any point leaves either the old pair or the new pair readable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeRelaxed, encodeRelaxed } from '../db/ejson';
import type { DocStore, LogOp } from '../db/store';

const SNAPSHOT = 'snapshot.jsonl';
/** The virtual clock's offset (ms), kept beside the database. */
const CLOCK = 'clock.json';
const HEADER_FORMAT = 'cloudbase-emulator-db';

export interface PersistOptions {
  /** compact when the log exceeds max(minCompactBytes, snapshot size) */
  minCompactBytes?: number;
  log?: (msg: string) => void;
}

export interface LoadReport {
  generation: number;
  snapshotOps: number;
  logLines: number;
  tornTail: boolean;
  corruptLines: number;
}

export class DbPersistence {
  readonly dir: string;
  private gen = 0;
  private fd: number | undefined;
  private logBytes = 0;
  private snapshotBytes = 0;
  private readonly minCompact: number;
  private readonly say: (msg: string) => void;
  private lockPath: string;
  private compacting = false;
  private clockSaved: number | undefined;

  constructor(dataDir: string, opts: PersistOptions = {}) {
    this.dir = path.join(dataDir, 'db');
    this.minCompact = opts.minCompactBytes ?? 8 * 1024 * 1024;
    this.say = opts.log ?? ((m) => console.warn(`[emulator/db] ${m}`));
    this.lockPath = path.join(this.dir, 'LOCK');
  }

  /** Deletes everything persisted (reset). */
  wipe(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Loads into `store` (which must be empty), then compacts and opens a fresh log. */
  load(store: DocStore): LoadReport {
    fs.mkdirSync(this.dir, { recursive: true });
    this.lock();
    const report: LoadReport = { generation: 0, snapshotOps: 0, logLines: 0, tornTail: false, corruptLines: 0 };
    const snapPath = path.join(this.dir, SNAPSHOT);
    if (fs.existsSync(snapPath)) {
      const text = fs.readFileSync(snapPath, 'utf8');
      const lines = text.split('\n');
      const header = JSON.parse(lines[0]);
      if (header.format !== HEADER_FORMAT) throw new Error(`${snapPath} is not an emulator snapshot`);
      this.gen = Number(header.gen) || 0;
      const ops: LogOp[] = [];
      for (let i = 1; i < lines.length; i++) {
        if (lines[i] === '') continue;
        ops.push(decodeRelaxed(lines[i]) as LogOp);
      }
      store.replay(ops);
      report.snapshotOps = ops.length;
    }
    report.generation = this.gen;
    const logPath = this.logPath(this.gen);
    if (fs.existsSync(logPath)) {
      const buf = fs.readFileSync(logPath);
      let start = 0;
      while (start < buf.length) {
        const nl = buf.indexOf(0x0a, start);
        if (nl === -1) {
          // no newline: the process died while writing this line
          report.tornTail = true;
          break;
        }
        const line = buf.subarray(start, nl).toString('utf8');
        start = nl + 1;
        if (line === '') continue;
        let ops: LogOp[];
        try {
          ops = decodeRelaxed(line) as LogOp[];
        } catch {
          report.corruptLines++;
          continue;
        }
        store.replay(ops);
        report.logLines++;
      }
      if (report.corruptLines) this.say(`${report.corruptLines} unreadable line(s) skipped in ${logPath}`);
    }
    // remove leftovers (old logs, temp files) and start a new generation
    this.compact(store);
    return report;
  }

  /** The virtual clock's offset saved with the database (undefined: none saved yet). */
  loadClockOffset(): number | undefined {
    try {
      const v = JSON.parse(fs.readFileSync(path.join(this.dir, CLOCK), 'utf8'));
      return typeof v?.offsetMs === 'number' && Number.isFinite(v.offsetMs) ? v.offsetMs : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Saves the clock offset: written whole to a temp file, then renamed over
   * the old one (a kill at any point leaves one or the other, never half).
   */
  saveClockOffset(offsetMs: number): void {
    if (this.fd === undefined) return;
    if (offsetMs === this.clockSaved) return;
    const file = path.join(this.dir, CLOCK);
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ offsetMs, savedAt: new Date().toISOString() }) + '\n');
    fs.renameSync(tmp, file);
    this.clockSaved = offsetMs;
  }

  append(ops: LogOp[], store: DocStore): void {
    if (this.fd === undefined) return;
    const line = encodeRelaxed(ops) + '\n';
    const buf = Buffer.from(line, 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.logBytes += buf.length;
    if (!this.compacting && this.logBytes > Math.max(this.minCompact, this.snapshotBytes)) this.compact(store);
  }

  /** Writes a new snapshot (temp + fsync + rename), then switches to an empty log. */
  compact(store: DocStore): void {
    this.compacting = true;
    try {
      const next = this.gen + 1;
      const tmp = path.join(this.dir, `${SNAPSHOT}.tmp`);
      const fd = fs.openSync(tmp, 'w');
      let bytes = 0;
      try {
        let chunk = JSON.stringify({ format: HEADER_FORMAT, v: 1, gen: next, at: new Date().toISOString() }) + '\n';
        for (const op of store.dump()) {
          chunk += encodeRelaxed(op) + '\n';
          if (chunk.length > 1 << 20) {
            bytes += writeAll(fd, chunk);
            chunk = '';
          }
        }
        bytes += writeAll(fd, chunk);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path.join(this.dir, SNAPSHOT));
      fsyncDir(this.dir);
      // the new snapshot is in place: from now on only log-<next> counts
      if (this.fd !== undefined) fs.closeSync(this.fd);
      this.gen = next;
      this.fd = fs.openSync(this.logPath(next), 'a');
      this.logBytes = 0;
      this.snapshotBytes = bytes;
      for (const f of fs.readdirSync(this.dir)) {
        if (/^log-\d+\.jsonl$/.test(f) && f !== path.basename(this.logPath(next))) fs.rmSync(path.join(this.dir, f), { force: true });
      }
    } finally {
      this.compacting = false;
    }
  }

  close(store: DocStore | undefined): void {
    if (this.fd === undefined) return;
    if (store) {
      try {
        this.compact(store);
      } catch (e) {
        this.say(`compaction at close failed: ${(e as Error).message}`);
      }
    }
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.unlock();
  }

  private logPath(gen: number): string {
    return path.join(this.dir, `log-${gen}.jsonl`);
  }

  /** One emulator per data folder: a second one would interleave writes. */
  private lock(): void {
    try {
      const other = Number(fs.readFileSync(this.lockPath, 'utf8').trim());
      if (other && other !== process.pid && alive(other)) {
        throw new Error(`data folder ${this.dir} is in use by process ${other} (another emulator?)`);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    fs.writeFileSync(this.lockPath, String(process.pid));
  }

  private unlock(): void {
    try {
      if (fs.readFileSync(this.lockPath, 'utf8').trim() === String(process.pid)) fs.rmSync(this.lockPath, { force: true });
    } catch {
      /* ignore */
    }
  }
}

function writeAll(fd: number, text: string): number {
  if (text === '') return 0;
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  return buf.length;
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported everywhere */
  }
}

/** Is process `pid` running (a lock's holder)? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
