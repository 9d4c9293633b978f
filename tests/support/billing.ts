import { afterAll, beforeAll } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { startStripeStandIn, type StripeStandIn } from "./stripe-standin";

/**
 * Starts the Stripe stand-in for the file and points the app at it (STRIPE_API_BASE and the keys);
 * afterwards the server is unconfigured again, as `npm start` is. The value is filled in beforeAll.
 */
export function useStripeStandIn(): { current: StripeStandIn } {
  const ref = {} as { current: StripeStandIn };
  beforeAll(async () => {
    ref.current = await startStripeStandIn();
    process.env.STRIPE_API_BASE = ref.current.url;
    process.env.STRIPE_SECRET_KEY = ref.current.secretKey;
    process.env.STRIPE_WEBHOOK_SECRET = ref.current.webhookSecret;
    resetEnvForTests();
  });
  afterAll(async () => {
    delete process.env.STRIPE_API_BASE;
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetEnvForTests();
    await ref.current?.close();
  });
  return ref;
}
