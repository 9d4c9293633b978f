export const dynamic = "force-dynamic";

// GET /api/v1/tools/signing-secret – the secret the org's HTTP tool calls are signed with (admin keys)
export { toolSigningSecretRoute as GET } from "@/lib/api/endpoints/tools";
