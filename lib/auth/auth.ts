import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { nextCookies } from "better-auth/next-js";
import { organization } from "better-auth/plugins";
import { getDb } from "@/db";
import { listMemberships } from "@/db/queries/members";
import * as schema from "@/db/schema";
import { getEnv } from "@/lib/env";
import { newId, randomAlnum } from "@/lib/ids";
import { recordMemberChange } from "@/lib/audit/record-member-change";
import { createOrg } from "@/lib/orgs/create-org";
import { processSingleton } from "@/lib/process-singleton";

// Dashboard accounts: better-auth (email + password) with its organization plugin for members and
// roles (owner / admin / member). An organization created here gets our `orgs` row — same id,
// opening credits — in the same request, so the API and the dashboard share one tenant.

function authSecret(): string {
  const env = getEnv();
  if (env.BETTER_AUTH_SECRET) return env.BETTER_AUTH_SECRET;
  // Zero-configuration default: generated once and kept beside the embedded database. Several
  // instances must share BETTER_AUTH_SECRET instead.
  const dir = env.FLOWGATE_DATA_DIR.startsWith("memory://") ? null : env.FLOWGATE_DATA_DIR;
  const file = dir ? path.join(dir, "auth-secret") : null;
  if (file && existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomAlnum(48);
  if (file) {
    mkdirSync(dir!, { recursive: true });
    writeFileSync(file, secret, { mode: 0o600 });
  }
  return secret;
}

const MAX_ORGS_PER_USER = 10;

async function createAuth() {
  const env = getEnv();
  const db = await getDb();
  return betterAuth({
    database: drizzleAdapter(db, { provider: "pg", schema }),
    secret: authSecret(),
    baseURL: env.BETTER_AUTH_URL ?? `http://localhost:${env.PORT}`,
    trustedOrigins: (req) => (req ? [new URL(req.url).origin] : []),
    emailAndPassword: { enabled: true, minPasswordLength: 8 },
    advanced: {
      database: { generateId: ({ model }) => (model === "organization" ? newId.org() : randomAlnum(32)) },
    },
    plugins: [
      organization({
        // No mail is configured: invitations are shown as a link to copy.
        sendInvitationEmail: async () => {},
        // Opening credits are for a user's first organization only (below); a limit on top keeps
        // a script from minting organizations in bulk.
        organizationLimit: MAX_ORGS_PER_USER,
        organizationHooks: {
          afterCreateOrganization: async ({ organization: org, member, user }) => {
            const first = (await listMemberships(await getDb(), user.id)).length <= 1;
            await createOrg({ id: org.id, name: org.name, credits: first ? getEnv().SIGNUP_CREDITS : 0 });
            await recordMemberChange({ action: "member.add", orgId: org.id, userId: user.id, email: user.email, role: member.role, actorId: user.id });
          },
          afterAddMember: async ({ member, user, organization: org }) =>
            recordMemberChange({ action: "member.add", orgId: org.id, userId: user.id, email: user.email, role: member.role, actorId: await requestUserId() }),
          afterRemoveMember: async ({ member, user, organization: org }) =>
            recordMemberChange({ action: "member.remove", orgId: org.id, userId: user.id, email: user.email, role: member.role, actorId: await requestUserId() }),
          afterUpdateMemberRole: async ({ member, previousRole, user, organization: org }) =>
            recordMemberChange({ action: "member.role_update", orgId: org.id, userId: user.id, email: user.email, role: member.role, previousRole, actorId: await requestUserId() }),
        },
      }),
      nextCookies(),
    ],
  });
}

// The hooks do not say who acted: it is the signed-in user of the request that runs them (an
// admin removing someone, the invitee accepting). Outside a request (server-side calls, tests),
// unknown → null. Imported lazily: session.ts imports this module.
async function requestUserId(): Promise<string | null> {
  try {
    return await (await import("./session")).currentUserId();
  } catch {
    return null;
  }
}

type Auth = Awaited<ReturnType<typeof createAuth>>;

export function getAuth(): Promise<Auth> {
  return processSingleton("auth", createAuth);
}
