CREATE TABLE "model_prices" (
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"input_per_m" bigint NOT NULL,
	"output_per_m" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_prices_provider_model_pk" PRIMARY KEY("provider","model")
);
--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "fallback_models" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "max_attempts" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "fallback_models" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "max_attempts" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "prices" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "attempts" jsonb;--> statement-breakpoint
-- Seeded list prices (US$ per 1M tokens × 100,000 = credits per 1M tokens; 1 credit = US$0.00001).
-- Operators keep them current with `npm run admin -- model price`; a price a row already has is kept.
-- offline:echo keeps the price every model had before prices were data (1 credit per token).
INSERT INTO "model_prices" ("provider", "model", "input_per_m", "output_per_m") VALUES
	('offline', 'echo', 1000000, 1000000),
	('openai', 'gpt-4o-mini', 15000, 60000),
	('openai', 'gpt-4o', 250000, 1000000),
	('openai', 'gpt-4.1', 200000, 800000),
	('openai', 'gpt-4.1-mini', 40000, 160000),
	('openai', 'gpt-4.1-nano', 10000, 40000),
	('openai', 'gpt-5', 125000, 1000000),
	('openai', 'gpt-5-mini', 25000, 200000),
	('openai', 'gpt-5-nano', 5000, 40000),
	('openai', 'o4-mini', 110000, 440000),
	('groq', 'llama-3.1-8b-instant', 5000, 8000),
	('groq', 'llama-3.3-70b-versatile', 59000, 79000),
	('mistral', 'mistral-small-latest', 10000, 30000),
	('deepseek', 'deepseek-chat', 28000, 42000)
ON CONFLICT DO NOTHING;
