ALTER TABLE "runs" ADD COLUMN "assignment" jsonb;--> statement-breakpoint
ALTER TABLE "workflow_label_history" ADD COLUMN "from_split" jsonb;--> statement-breakpoint
ALTER TABLE "workflow_label_history" ADD COLUMN "to_split" jsonb;--> statement-breakpoint
ALTER TABLE "workflow_labels" ADD COLUMN "split" jsonb;