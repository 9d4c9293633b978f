ALTER TABLE "api_keys" ADD COLUMN "workflow_ids" text[];--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "allowed_origins" text[];--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "credit_cap" bigint;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "credit_cap_period" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "cap_used" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "cap_period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "cap_period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stream_tokens" ADD COLUMN "workflow_id" text;--> statement-breakpoint
ALTER TABLE "stream_tokens" ADD COLUMN "max_credits" integer;