import type { Workflow } from "@/db/schema";
import { versionContent } from "./schemas";

type ContentKey = keyof typeof versionContent.shape;
/** The fields a version freezes, read off a draft or a version row. */
export type VersionContent = Pick<Workflow, ContentKey>;

const CONTENT_KEYS = Object.keys(versionContent.shape) as ContentKey[];

/**
 * The run-relevant content of a draft or a version: what publishing copies, restoring copies back,
 * the playground runs and the "changes since publish" comparison looks at. The field list is the
 * schema's, so a new content field is carried everywhere at once.
 */
export function contentOf(row: VersionContent): VersionContent {
  return Object.fromEntries(CONTENT_KEYS.map((k) => [k, row[k]])) as VersionContent;
}

/** Whether two rows hold the same content (variables compared by value). */
export function sameContent(a: VersionContent, b: VersionContent): boolean {
  return CONTENT_KEYS.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
