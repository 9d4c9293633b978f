ALTER TABLE "runs" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "stream_tokens" ADD COLUMN "end_user" text;--> statement-breakpoint
CREATE INDEX "runs_org_end_user_idx" ON "runs" USING btree ("org_id","end_user");