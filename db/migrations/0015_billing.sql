CREATE TABLE "billing_accounts" (
	"org_id" text PRIMARY KEY NOT NULL,
	"stripe_customer_id" text,
	"currency" text,
	"payment_method_id" text,
	"flagged_at" timestamp with time zone,
	"flag_reason" text,
	"auto_top_up_enabled" boolean DEFAULT false NOT NULL,
	"auto_top_up_threshold" bigint,
	"auto_top_up_pack_id" text,
	"auto_top_up_monthly_cap_cents" bigint,
	"auto_top_up_disabled_reason" text,
	"auto_top_up_in_flight" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_accounts_stripe_customer_id_unique" UNIQUE("stripe_customer_id")
);
--> statement-breakpoint
CREATE TABLE "billing_problems" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "billing_problems_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" text,
	"kind" text NOT NULL,
	"stripe_event_id" text NOT NULL,
	"stripe_object_id" text,
	"detail" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_packs" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"credits" bigint NOT NULL,
	"price_cents" bigint NOT NULL,
	"currency" text NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_purchases" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"pack_id" text NOT NULL,
	"source" text NOT NULL,
	"checkout_session_id" text,
	"payment_intent_id" text,
	"charge_id" text,
	"credits" bigint NOT NULL,
	"price_cents" bigint NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"credits_refunded" bigint DEFAULT 0 NOT NULL,
	"receipt_url" text,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paid_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_auto_top_up_pack_id_credit_packs_id_fk" FOREIGN KEY ("auto_top_up_pack_id") REFERENCES "public"."credit_packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_purchases" ADD CONSTRAINT "credit_purchases_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_purchases" ADD CONSTRAINT "credit_purchases_pack_id_credit_packs_id_fk" FOREIGN KEY ("pack_id") REFERENCES "public"."credit_packs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "billing_problems_stripe_event_id_kind_idx" ON "billing_problems" USING btree ("stripe_event_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_purchases_checkout_session_id_idx" ON "credit_purchases" USING btree ("checkout_session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_purchases_payment_intent_id_idx" ON "credit_purchases" USING btree ("payment_intent_id");--> statement-breakpoint
CREATE INDEX "credit_purchases_org_id_created_at_idx" ON "credit_purchases" USING btree ("org_id","created_at");