ALTER TABLE "workflow_versions" ADD COLUMN "output_schema" jsonb;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "output_schema" jsonb;