import { defineConfig } from "drizzle-kit";

// Runs outside Next (drizzle-kit), so it reads process.env directly.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
