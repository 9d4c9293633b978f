import { betterAuth } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { nextCookies } from "better-auth/next-js";
import { organization, twoFactor } from "better-auth/plugins";
import { getDb } from "@/db";
import { deleteOrganization } from "@/db/queries/orgs";
import * as schema from "@/db/schema";
import { getEnv } from "@/lib/env";
import { getAuthSecret } from "@/lib/secrets/instance-secret";
import { logger } from "@/lib/logger";
import { newId, randomAlnum } from "@/lib/ids";
import { recordMemberChange } from "@/lib/audit/record-member-change";
import { authLogger } from "./auth-logger";
import { checkNameLimits } from "./name-limits";
import { limitAccountMail } from "./mail-limits";
import { emailVerificationOptions, emailVerificationRequired } from "./email-verification";
import { sendMail } from "@/lib/mail/send-mail";
import { inBackground, noticeNewClient } from "@/lib/notices/send-notice";
import { beforeDeleteAccount } from "@/lib/account/delete-account";
import { instanceBaseUrl, instanceUrl } from "@/lib/public-base-url";
import { dashboardOrigins, originGuard } from "./origins";
import { admitUserOrg, MAX_ORGS_PER_USER } from "@/lib/orgs/create-org";
import { processSingleton, replaceProcessSingleton } from "@/lib/process-singleton";

// Dashboard accounts: better-auth (email + password) with its organization plugin for members and
// roles (owner / admin / member). An organization created here gets our `orgs` row — same id,
// opening credits — in the same request, so the API and the dashboard share one tenant.

async function createAuth() {
  const env = getEnv();
  warnWithoutTrustedProxy(env.NODE_ENV);
  const baseURL = instanceBaseUrl();
  const db = await getDb();
  return betterAuth({
    database: drizzleAdapter(db, { provider: "pg", schema }),
    secret: getAuthSecret(),
    baseURL,
    trustedOrigins: dashboardOrigins(),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      // Unverified accounts get no session: sign-in answers EMAIL_NOT_VERIFIED and the form
      // offers to mail the link again (docs/account.md).
      requireEmailVerification: emailVerificationRequired(),
      // Password reset (docs/account.md): better-auth's endpoints, its token (random, 1 hour,
      // consumed by the reset), our mail from the queue. An unknown address gets the same answer
      // and no mail (better-auth); the requests are limited per address and client (mail-limits.ts).
      resetPasswordTokenExpiresIn: 3600,
      revokeSessionsOnPasswordReset: true,
      // The link opens our page with the token, not better-auth's redirecting endpoint: the
      // destination is ours whatever redirectTo a client sent.
      sendResetPassword: async ({ user, token }) => {
        await sendMail({
          kind: "reset-password",
          to: user.email,
          data: { name: user.name, url: instanceUrl(`/reset-password?token=${encodeURIComponent(token)}`) },
        });
      },
      onPasswordReset: async ({ user }) => {
        await sendMail({ kind: "password-changed", to: user.email, data: { name: user.name } });
      },
    },
    emailVerification: emailVerificationOptions(),
    // A new address is verified before it replaces the old one (better-auth mails the new address).
    // Account deletion: refused while the user is the only owner of an org with other members;
    // the orgs' records keep the user's id as a tombstone (lib/account/delete-account.ts).
    user: {
      changeEmail: { enabled: true },
      deleteUser: {
        enabled: true,
        beforeDelete: (u) => beforeDeleteAccount(u),
        afterDelete: async (u) => {
          await sendMail({ kind: "account-deleted", to: u.email, data: { name: u.name } });
        },
      },
    },
    logger: authLogger(),
    // A sign-in from a client the account never used is mailed to it (a security notice).
    databaseHooks: {
      session: {
        create: {
          after: async (s) =>
            inBackground("new sign-in", noticeNewClient({ userId: s.userId, userAgent: s.userAgent, ipAddress: s.ipAddress })),
        },
      },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        await checkNameLimits(ctx);
        await limitAccountMail(ctx);
      }),
      // Turning two-factor sign-in on (the enrolment's first code, made with a session; the
      // sign-in step has none) or off is told to the account.
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/two-factor/verify-totp" && ctx.path !== "/two-factor/disable") return;
        const user = ctx.context.session?.user as
          { id: string; email: string; name: string; twoFactorEnabled?: boolean | null } | undefined;
        if (!user || ctx.context.returned instanceof APIError || ctx.context.returned instanceof Error) return;
        const enabled = ctx.path === "/two-factor/verify-totp";
        if (enabled && user.twoFactorEnabled) return;
        inBackground("two-factor change", sendMail({ kind: "two-factor-changed", to: user.email, data: { name: user.name, enabled } }));
      }),
    },
    advanced: {
      // Login cookies are Secure (and __Secure- prefixed) exactly when the public URL is https,
      // stated here rather than left to better-auth's defaults (which also look at NODE_ENV).
      useSecureCookies: baseURL.startsWith("https://"),
      // Its rate limits and logins key on this header. Under `npm start` it holds exactly one
      // address, the socket's or the one TRUSTED_PROXY_HOPS proxies vouch for: a client-sent
      // value never gets here (scripts/trusted-proxy.mjs).
      ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
      // better-auth skips its origin check under NODE_ENV=test; tests must see what production does.
      disableOriginCheck: false,
      database: { generateId: ({ model }) => (model === "organization" ? newId.org() : randomAlnum(32)) },
    },
    plugins: [
      originGuard,
      // TOTP with backup codes (docs/account.md): enrolment under /account asks for the password,
      // and two-factor sign-in starts only once the first code from the app is verified.
      twoFactor({ issuer: "Flowgate" }),
      organization({
        // No mail is configured: invitations are shown as a link to copy.
        sendInvitationEmail: async () => {},
        // A quick early refusal only: better-auth counts before it inserts, so concurrent
        // creations all pass it. The limit that holds is admitUserOrg's, under a lock.
        organizationLimit: MAX_ORGS_PER_USER,
        // Only the creation hook: better-auth's member, role and invitation endpoints are not
        // served (lib/api/better-auth-routes.ts), and the dashboard's own (lib/orgs) write their
        // audit entries in the change's transaction.
        organizationHooks: {
          afterCreateOrganization: async ({ organization: org, member, user }) => {
            if (!(await admitUserOrg({ id: org.id, name: org.name, userId: user.id }))) {
              await deleteOrganization(await getDb(), org.id);
              throw new APIError("FORBIDDEN", { message: `You have reached the maximum number of organizations (${MAX_ORGS_PER_USER})` });
            }
            await recordMemberChange({
              action: "member.add",
              orgId: org.id,
              userId: user.id,
              email: user.email,
              role: member.role,
              actorId: user.id,
            });
          },
        },
      }),
      nextCookies(),
    ],
  });
}

/** Under a bare `next start` (not `npm start`), X-Forwarded-For is whatever the client sent. */
function warnWithoutTrustedProxy(nodeEnv: string) {
  if (nodeEnv !== "production" || (globalThis as { __flowgateTrustedProxyHops?: number }).__flowgateTrustedProxyHops !== undefined) return;
  logger.warn(
    "started without scripts/trusted-proxy.mjs (use npm start): client addresses, and the sign-in rate limits keyed on them, come from X-Forwarded-For as the client sent it",
  );
}

type Auth = Awaited<ReturnType<typeof createAuth>>;

export function getAuth(): Promise<Auth> {
  return processSingleton("auth", createAuth);
}

/** Tests change BETTER_AUTH_URL between suites; this forgets the instance built from the old one. */
export function resetAuthForTests() {
  replaceProcessSingleton("auth", undefined);
}
