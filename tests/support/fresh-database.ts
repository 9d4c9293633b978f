import postgres from "postgres";

/**
 * A fresh database on the server `baseUrl` names, for a suite whose servers must not share the
 * test process's database: a production server runs the job queue, which would take (and, with
 * its own settings, refuse) the unit tests' webhook deliveries on a shared one.
 */
export async function createFreshDatabase(baseUrl: string, prefix: string) {
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const a = postgres(baseUrl, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await a.end();
  };
  return { url: url.toString(), drop };
}
