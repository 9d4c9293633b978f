ALTER TABLE "stream_tokens" ADD COLUMN "pin_version" integer;--> statement-breakpoint
ALTER TABLE "stream_tokens" ADD COLUMN "pin_label" text;