CREATE TABLE "workflow_label_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "workflow_label_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"workflow_id" text NOT NULL,
	"org_id" text NOT NULL,
	"label" text NOT NULL,
	"from_version" integer,
	"to_version" integer,
	"actor_id" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_labels" (
	"workflow_id" text NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"version_id" text NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_labels_workflow_id_name_pk" PRIMARY KEY("workflow_id","name")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" text NOT NULL,
	"actor_id" text,
	"action" text NOT NULL,
	"target_id" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workflow_label_history" ADD CONSTRAINT "workflow_label_history_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_label_history" ADD CONSTRAINT "workflow_label_history_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_labels" ADD CONSTRAINT "workflow_labels_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_labels" ADD CONSTRAINT "workflow_labels_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_labels" ADD CONSTRAINT "workflow_labels_version_id_workflow_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."workflow_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_label_history_workflow_idx" ON "workflow_label_history" USING btree ("workflow_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_org_id_idx" ON "audit_log" USING btree ("org_id","id");--> statement-breakpoint
-- Backfill: every workflow that has a published version gets `production` (that version) and
-- `latest` (its highest version), each with a history entry from nothing, by the system.
INSERT INTO "workflow_labels" ("workflow_id", "org_id", "name", "version_id")
SELECT w."id", w."org_id", 'production', w."published_version_id"
FROM "workflows" w WHERE w."published_version_id" IS NOT NULL;--> statement-breakpoint
INSERT INTO "workflow_labels" ("workflow_id", "org_id", "name", "version_id")
SELECT DISTINCT ON (v."workflow_id") v."workflow_id", v."org_id", 'latest', v."id"
FROM "workflow_versions" v JOIN "workflows" w ON w."id" = v."workflow_id"
WHERE w."published_version_id" IS NOT NULL
ORDER BY v."workflow_id", v."version" DESC;--> statement-breakpoint
INSERT INTO "workflow_label_history" ("workflow_id", "org_id", "label", "from_version", "to_version")
SELECT l."workflow_id", l."org_id", l."name", NULL, v."version"
FROM "workflow_labels" l JOIN "workflow_versions" v ON v."id" = l."version_id"
ORDER BY l."workflow_id", l."name";
