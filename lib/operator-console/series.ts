// Time buckets with no rows still belong on a chart: these fill the gaps with zeros.

const DAY_MS = 86_400_000;

/** The last `days` UTC days, oldest first, ending today (YYYY-MM-DD), and the start of the first. */
export function lastDays(days: number, now = Date.now()) {
  const from = new Date(now - (days - 1) * DAY_MS);
  from.setUTCHours(0, 0, 0, 0);
  const keys = Array.from({ length: days }, (_, i) => new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10));
  return { from, keys };
}

/** The last `minutes` UTC minutes, oldest first, ending with the current one (HH:MM). */
export function lastMinutes(minutes: number, now = Date.now()) {
  const from = new Date(Math.floor(now / 60_000) * 60_000 - (minutes - 1) * 60_000);
  const keys = Array.from({ length: minutes }, (_, i) => new Date(from.getTime() + i * 60_000).toISOString().slice(11, 16));
  return { from, keys };
}

/** The last `hours` UTC hours, oldest first, ending with the current one (YYYY-MM-DD HH:00). */
export function lastHours(hours: number, now = Date.now()) {
  const from = new Date(Math.floor(now / 3_600_000) * 3_600_000 - (hours - 1) * 3_600_000);
  const keys = Array.from({ length: hours }, (_, i) => {
    const iso = new Date(from.getTime() + i * 3_600_000).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00`;
  });
  return { from, keys };
}

/** One row per key, in the keys' order: the row found under it, else `empty(key)`. */
export function fillSeries<R>(keys: string[], rows: R[], keyOf: (r: R) => string, empty: (key: string) => R): R[] {
  const byKey = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => byKey.get(k) ?? empty(k));
}
