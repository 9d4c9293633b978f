ALTER TABLE "orgs" ADD COLUMN "judge_model" text;--> statement-breakpoint
ALTER TABLE "eval_runs" ADD COLUMN "error" text;