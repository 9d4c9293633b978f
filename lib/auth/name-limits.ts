import { APIError, createAuthMiddleware } from "better-auth/api";

/** The longest name a person or an organization may have (the dashboard's inputs say so too). */
export const NAME_MAX = 100;

const NAMED: Record<string, { field: "name"; label: string }> = {
  "/sign-up/email": { field: "name", label: "Your name" },
  "/organization/create": { field: "name", label: "Organization name" },
};

/**
 * Before better-auth stores a user or an organization: its name is 1–NAME_MAX characters, and an
 * organization's slug (made by the form) is a short one. better-auth itself takes any length.
 */
export const nameLimits = createAuthMiddleware(async (ctx) => checkNameLimits(ctx));

export async function checkNameLimits(ctx: { path: string; body?: unknown }) {
  const named = NAMED[ctx.path];
  if (!named) return;
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const value = body[named.field];
  if (typeof value === "string" && value.trim().length === 0) {
    throw new APIError("BAD_REQUEST", { message: `${named.label} is required` });
  }
  if (typeof value === "string" && value.length > NAME_MAX) {
    throw new APIError("BAD_REQUEST", { message: `${named.label} is too long (at most ${NAME_MAX} characters)` });
  }
  if (ctx.path === "/organization/create" && typeof body.slug === "string" && !/^[a-z0-9-]{1,64}$/.test(body.slug)) {
    throw new APIError("BAD_REQUEST", { message: "Organization slug: 1-64 lowercase letters, digits and dashes" });
  }
}
