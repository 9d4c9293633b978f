ALTER TABLE "orgs" ADD COLUMN "tool_signing_secret_previous" text;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "tool_signing_secret_rotated_at" timestamp with time zone;