/**
 * Polls `f` until it yields something truthy (sync or async), then returns it; after `ms` it fails
 * naming `what`. For state another part of the system reaches on its own time: a queue worker's
 * delivery, a mail in the inbox, a webhook at its receiver.
 */
export async function until<T>(
  f: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  what: string,
  { ms = 15_000, everyMs = 50 }: { ms?: number; everyMs?: number } = {},
): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
