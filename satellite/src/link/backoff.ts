/** Capped exponential backoff with full jitter, so many satellites don't reconnect in step. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 500,
    /** 10 s at most: after a hub restart every satellite is back within seconds. */
    private readonly maxMs = 10_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
