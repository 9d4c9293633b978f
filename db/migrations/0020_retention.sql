ALTER TABLE "runs" ADD COLUMN "redacted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "redacted_after_days" integer;--> statement-breakpoint
ALTER TABLE "org_settings" ADD COLUMN "retention_days" integer;--> statement-breakpoint
ALTER TABLE "org_settings" ADD COLUMN "mask_pii" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "runs_retention_idx" ON "runs" USING btree ("org_id","finished_at") WHERE "runs"."redacted_at" IS NULL AND "runs"."finished_at" IS NOT NULL;