ALTER TABLE "jobs" ADD COLUMN "org_id" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "group_key" text;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "timeouts_in_a_row" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "circuit_open_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "jobs_kind_org_id_idx" ON "jobs" USING btree ("kind","org_id");--> statement-breakpoint
UPDATE "jobs" SET "org_id" = "payload"->>'orgId' WHERE "kind" = 'run';--> statement-breakpoint
UPDATE "jobs" SET "org_id" = "payload"->>'org_id' WHERE "kind" = 'run-event';--> statement-breakpoint
UPDATE "jobs" j SET "org_id" = d."org_id", "group_key" = d."endpoint_id" FROM "webhook_deliveries" d WHERE j."kind" = 'webhook' AND d."id" = j."payload"->>'deliveryId';
