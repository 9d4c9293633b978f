CREATE TABLE "opening_grants" (
	"user_id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "opening_grants" ADD CONSTRAINT "opening_grants_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Before this table, "first organization" meant "no other membership": mark every user who is, or
-- was (their own member.add in the audit log), in an organization as already granted, so nobody
-- who existed before can collect the opening credits again.
INSERT INTO "opening_grants" ("user_id", "granted_at")
SELECT "u"."id", "u"."created_at" FROM "user" "u"
WHERE EXISTS (SELECT 1 FROM "member" "m" WHERE "m"."user_id" = "u"."id")
   OR EXISTS (SELECT 1 FROM "audit_log" "a" WHERE "a"."action" = 'member.add' AND "a"."target_id" = "u"."id");
