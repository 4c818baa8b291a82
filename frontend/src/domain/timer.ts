/**
 * Measures the time a person actually spends on a task: runs while the task
 * is shown, pauses while the page is hidden or the login form is up.
 */
export class Stopwatch {
  private accumulated = 0;
  private startedAt: number | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Starts from zero (already-elapsed ms may be given, e.g. from a restored draft). */
  reset(elapsedMs = 0, running = true): void {
    this.accumulated = Math.max(0, elapsedMs);
    this.startedAt = running ? this.now() : null;
  }

  start(): void {
    if (this.startedAt === null) this.startedAt = this.now();
  }

  pause(): void {
    if (this.startedAt !== null) {
      this.accumulated += this.now() - this.startedAt;
      this.startedAt = null;
    }
  }

  get running(): boolean {
    return this.startedAt !== null;
  }

  elapsedMs(): number {
    return this.accumulated + (this.startedAt === null ? 0 : this.now() - this.startedAt);
  }

  elapsedSeconds(): number {
    return Math.round(this.elapsedMs()) / 1000;
  }
}
