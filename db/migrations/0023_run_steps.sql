ALTER TABLE "orgs" ADD COLUMN "tool_signing_secret" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "steps" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "stop_reason" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "continuation" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "continued_by" text;