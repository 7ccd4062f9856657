/**
 * The emulator's one virtual clock: an offset from real time. Every function
 * worker, timer, the pay sandbox and `db.serverDate()` read it.
 */
export class VirtualClock {
  private offsetMs = 0;
  private listeners = new Set<(now: number) => void>();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  offset(): number {
    return this.offsetMs;
  }

  /**
   * Move to an absolute instant (ms since epoch), forwards or back (api.md:
   * `{ now }` pins a scenario's date). Data written "later" stays as it is.
   */
  set(nowMs: number): number {
    this.offsetMs += nowMs - this.now();
    this.emit();
    return this.now();
  }

  /** Restores a persisted offset (startup); listeners are told, as for any move. */
  restore(offsetMs: number): void {
    if (!Number.isFinite(offsetMs)) return;
    this.offsetMs = offsetMs;
    this.emit();
  }

  advance(ms: number): number {
    if (ms > 0) this.offsetMs += ms;
    this.emit();
    return this.now();
  }

  /** Called after every move (timers and pay re-deliveries due by then fire). */
  onChange(listener: (now: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    const now = this.now();
    for (const l of this.listeners) l(now);
  }
}
