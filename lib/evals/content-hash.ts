import { createHash } from "node:crypto";
import { contentOf, type VersionContent } from "@/lib/workflows/content-of";

/** The content an eval judged (a draft's or a version's): the publish gate compares it with the draft being published. */
export function contentHashOf(v: VersionContent): string {
  return createHash("sha256")
    .update(JSON.stringify(contentOf(v)))
    .digest("hex");
}
