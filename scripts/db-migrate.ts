// `npm run db:migrate`: applies committed migrations to DATABASE_URL, or to the embedded database.
import { closeDb, getDb, getDbKind } from "@/db";

await getDb();
console.log(JSON.stringify({ migrated: true, database: await getDbKind() }));
await closeDb();
