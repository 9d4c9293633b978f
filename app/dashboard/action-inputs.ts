import { z } from "zod";

// The inputs every dashboard action shares: the org it acts in (orgAction checks the caller's
// membership of it), and a workflow of that org. Members may view and run; admins and owners edit,
// publish and manage keys.

export const org = { orgId: z.string().min(1) };
export const wf = { ...org, workflowId: z.string().min(1) };
/** A published version's number. */
export const version = z.number().int().min(1).max(999_999_999);
