CREATE TABLE "budget_alerts" (
	"budget_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"subject" text NOT NULL,
	"threshold" integer NOT NULL,
	"spent" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budget_alerts_budget_id_period_start_subject_threshold_pk" PRIMARY KEY("budget_id","period_start","subject","threshold")
);
--> statement-breakpoint
CREATE TABLE "budget_usage" (
	"budget_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"subject" text NOT NULL,
	"used" bigint DEFAULT 0 NOT NULL,
	"spent" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "budget_usage_budget_id_period_start_subject_pk" PRIMARY KEY("budget_id","period_start","subject")
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text,
	"scope" text NOT NULL,
	"credits" bigint NOT NULL,
	"period" text NOT NULL,
	"workflow_id" text,
	"api_key_id" text,
	"alert_at" integer[] DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "end_user_rate_limit_per_minute" integer;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "end_user_rate_limit_per_minute" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "budget_keys" jsonb;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_usage" ADD CONSTRAINT "budget_usage_budget_id_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."budgets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "budget_usage_top_idx" ON "budget_usage" USING btree ("budget_id","period_start","spent");--> statement-breakpoint
CREATE INDEX "budgets_org_id_idx" ON "budgets" USING btree ("org_id");