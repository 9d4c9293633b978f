import "server-only";
import type { BetterAuthOptions } from "better-auth";
import { getEnv } from "@/lib/env";
import { sendMail } from "@/lib/mail/send-mail";

/** REQUIRE_EMAIL_VERIFICATION, else on exactly when mail can reach people (SMTP_URL). */
export function emailVerificationRequired(): boolean {
  const env = getEnv();
  return env.REQUIRE_EMAIL_VERIFICATION ?? !!env.SMTP_URL;
}

/**
 * better-auth's email verification (docs/account.md): a signed token valid for 1 hour, mailed on
 * sign-up when verification is required and on request (limited, lib/auth/mail-limits.ts); not on
 * every refused sign-in, which would bypass that limit. A change of address mails the new address,
 * and the account keeps the old one until that link is opened.
 */
export function emailVerificationOptions(): NonNullable<BetterAuthOptions["emailVerification"]> {
  const required = emailVerificationRequired();
  return {
    sendOnSignUp: required,
    sendOnSignIn: false,
    autoSignInAfterVerification: true,
    expiresIn: 3600,
    sendVerificationEmail: async ({ user, url, token }) => {
      // Here `user.email` is the address to verify: for a change, the new one.
      if (tokenPurpose(token) === "change-email-verification") {
        await sendMail({ kind: "change-email", to: user.email, data: { name: user.name, newEmail: user.email, url } });
      } else {
        await sendMail({ kind: "verify-email", to: user.email, data: { name: user.name, url } });
      }
    },
  };
}

/** Which of better-auth's verification kinds a token is (its JWT payload; only to pick the message's wording). */
function tokenPurpose(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { requestType?: unknown };
    return typeof payload.requestType === "string" ? payload.requestType : undefined;
  } catch {
    return undefined;
  }
}
