// One value per server process, shared by every bundle in it: Next bundles instrumentation, route
// handlers and server actions separately, and a module-level `let` would exist once per bundle
// (two PGlite instances on one directory lose writes; an invalidation made by the dashboard's
// bundle must reach the API routes'; one Redis connection, not one per bundle). Kept on globalThis
// under a registry symbol, which every bundle resolves to the same key. A leaf: no imports.

const store = globalThis as unknown as Record<symbol, unknown>;
const keyOf = (name: string) => Symbol.for(`flowgate.${name}`);

/**
 * The process's `name`, created by `create` on first use. A promise that rejects is forgotten, so
 * the next call creates it again: a dependency that was down (the database at the first request)
 * must not stay failed until a restart.
 */
export function processSingleton<T>(name: string, create: () => T): T {
  const key = keyOf(name);
  if (!(key in store)) {
    const value = create();
    store[key] = value;
    if (value instanceof Promise) {
      value.catch(() => {
        if (store[key] === value) delete store[key];
      });
    }
  }
  return store[key] as T;
}

/** Puts `value` in place of the process's `name` (undefined: the next use creates it again); returns the one it replaced. */
export function replaceProcessSingleton<T>(name: string, value: T | undefined): T | undefined {
  const key = keyOf(name);
  const previous = store[key] as T | undefined;
  if (value === undefined) delete store[key];
  else store[key] = value;
  return previous;
}
