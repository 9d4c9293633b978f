export const dynamic = "force-dynamic";

// POST /api/v1/tools/signing-secret/rotate – a new tool signing secret; the previous one still signs for 24 h (admin keys)
export { rotateToolSigningSecretRoute as POST } from "@/lib/api/endpoints/tools";
