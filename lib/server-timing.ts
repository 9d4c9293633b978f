/**
 * Server-Timing entries for one request (auth, rate limit, prepare, start, first token), so a
 * client, a browser's devtools or the bench can see where a request's time went.
 */
export class ServerTiming {
  private parts: string[] = [];
  private last = performance.now();

  /** Records the time since the previous mark under `name`. */
  mark(name: string) {
    const now = performance.now();
    this.parts.push(`${name};dur=${(now - this.last).toFixed(1)}`);
    this.last = now;
  }

  apply(headers: Headers) {
    if (this.parts.length) headers.set("server-timing", this.parts.join(", "));
  }
}
