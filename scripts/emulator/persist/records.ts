/**
 * Crash-safe persistence of small keyed state (the pay sandbox's refunds and
 * payments), with the same approach as the database (persist/log.ts):
 *
 * - `snapshot.jsonl`: header line, then one `[kind, key, value]` per line;
 *   only ever replaced by write-to-temp + fsync + rename.
 * - `log-<gen>.jsonl`: every change since that snapshot, one JSON line per
 *   `write()` call (`[kind, key, value]`, value null = deleted; `["*"]` = all
 *   cleared), appended synchronously before the caller answers anyone — the
 *   OS keeps it if the process is killed (kill -9).
 *
 * Startup replays the snapshot then the log; a torn last line is ignored;
 * then compacts. Compaction also runs when the log outgrows the snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';

const SNAPSHOT = 'snapshot.jsonl';
const FORMAT = 'cloudbase-emulator-records';

export type RecordChange = [kind: string, key: string, value: unknown] | ['*'];

export class RecordLog {
  readonly dir: string;
  private gen = 0;
  private fd: number | undefined;
  private logBytes = 0;
  private snapshotBytes = 0;
  private state = new Map<string, Map<string, unknown>>();

  constructor(
    dir: string,
    private readonly opts: { minCompactBytes?: number; log?: (msg: string) => void } = {},
  ) {
    this.dir = dir;
  }

  wipe(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Replays what is on disk; returns kind → key → value. */
  load(): Map<string, Map<string, unknown>> {
    fs.mkdirSync(this.dir, { recursive: true });
    const snap = path.join(this.dir, SNAPSHOT);
    if (fs.existsSync(snap)) {
      const lines = fs.readFileSync(snap, 'utf8').split('\n');
      const header = JSON.parse(lines[0]);
      if (header.format !== FORMAT) throw new Error(`${SNAPSHOT} in the pay sandbox folder is not a record snapshot`);
      this.gen = Number(header.gen) || 0;
      for (let i = 1; i < lines.length; i++) if (lines[i]) this.apply([JSON.parse(lines[i])]);
    }
    const log = this.logPath(this.gen);
    if (fs.existsSync(log)) {
      const buf = fs.readFileSync(log);
      let start = 0;
      let corrupt = 0;
      while (start < buf.length) {
        const nl = buf.indexOf(0x0a, start);
        if (nl === -1) break; // torn last line: the process died while writing it
        const line = buf.subarray(start, nl).toString('utf8');
        start = nl + 1;
        if (!line) continue;
        try {
          this.apply(JSON.parse(line));
        } catch {
          corrupt++;
        }
      }
      if (corrupt) this.opts.log?.(`${corrupt} unreadable line(s) skipped in ${path.basename(log)}`);
    }
    this.compact();
    return this.state;
  }

  /** Appends one batch of changes (synchronously) and applies it to the kept state. */
  write(changes: RecordChange[]): void {
    if (changes.length === 0) return;
    this.apply(changes);
    if (this.fd === undefined) return;
    const buf = Buffer.from(JSON.stringify(changes) + '\n', 'utf8');
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.logBytes += buf.length;
    if (this.logBytes > Math.max(this.opts.minCompactBytes ?? 4 * 1024 * 1024, this.snapshotBytes)) this.compact();
  }

  compact(): void {
    const next = this.gen + 1;
    const tmp = path.join(this.dir, `${SNAPSHOT}.tmp`);
    let text = JSON.stringify({ format: FORMAT, v: 1, gen: next }) + '\n';
    for (const [kind, m] of this.state) for (const [key, value] of m) text += JSON.stringify([kind, key, value]) + '\n';
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(this.dir, SNAPSHOT));
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.gen = next;
    this.fd = fs.openSync(this.logPath(next), 'a');
    this.logBytes = 0;
    this.snapshotBytes = Buffer.byteLength(text);
    for (const f of fs.readdirSync(this.dir)) {
      if (/^log-\d+\.jsonl$/.test(f) && f !== path.basename(this.logPath(next))) fs.rmSync(path.join(this.dir, f), { force: true });
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.compact();
    } catch (e) {
      this.opts.log?.(`compaction at close failed: ${(e as Error).message}`);
    }
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private apply(changes: RecordChange[]): void {
    for (const ch of changes) {
      if (ch[0] === '*') {
        this.state.clear();
        continue;
      }
      const [kind, key, value] = ch as [string, string, unknown];
      let m = this.state.get(kind);
      if (!m) this.state.set(kind, (m = new Map()));
      if (value === null || value === undefined) m.delete(key);
      else m.set(key, value);
    }
  }

  private logPath(gen: number): string {
    return path.join(this.dir, `log-${gen}.jsonl`);
  }
}
