/**
 * Server-Timing entries for one request (auth, rate limit, prepare, start, dispatch, the model's
 * part), so a client, a browser's devtools or the bench can see where a request's time went — and
 * `overhead`: the gateway's own time in the request so far, i.e. everything but the wait for the
 * model (README, API: `Server-Timing`).
 */
export class ServerTiming {
  private parts: string[] = [];
  private readonly began = performance.now();
  private last = this.began;
  private upstream = 0;

  /**
   * Records the time since the previous mark under `name`; `model: true` counts it as the wait for
   * the model (from the call's dispatch to its first token, or to its end: retries and their
   * back-off included), which `overhead` leaves out.
   */
  mark(name: string, { model = false }: { model?: boolean } = {}) {
    const now = performance.now();
    this.parts.push(`${name};dur=${(now - this.last).toFixed(1)}`);
    if (model) this.upstream += now - this.last;
    this.last = now;
  }

  /** An entry for work that ran beside the marked ones (the rate limit's verdict, overlapped): outside their sequence. */
  note(name: string, ms: number, desc: string) {
    this.parts.push(`${name};dur=${ms.toFixed(1)};desc="${desc}"`);
  }

  /** Sets the header: the marks so far, then `overhead` up to now. */
  apply(headers: Headers) {
    if (!this.parts.length) return;
    const overhead = performance.now() - this.began - this.upstream;
    headers.set(
      "server-timing",
      [...this.parts, `overhead;dur=${overhead.toFixed(1)};desc="gateway time without the model's wait"`].join(", "),
    );
  }
}
