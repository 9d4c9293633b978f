import type { ApiKeyPrincipal } from "./api-keys";

/**
 * Who is calling the API pipeline: an API key (or a stream token minted from one), or a dashboard
 * user in the playground. Only key principals have a keyId; a user is rate-limited by user id and
 * their runs carry no key.
 */
export type Principal = ApiKeyPrincipal | UserPrincipal;
export type UserPrincipal = Omit<ApiKeyPrincipal, "keyId"> & { keyId: null; userId: string };
