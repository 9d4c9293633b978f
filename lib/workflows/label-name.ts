import { AppError } from "@/lib/errors";

// Label names and the two reserved labels. No server imports: the labels panel uses these too.

/** Label names: lowercase, start with a letter, at most 40 characters. */
export const LABEL_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
/** What the API runs by default. */
export const PRODUCTION = "production";
/** Moved by every publish to the new version; never by hand. */
export const LATEST = "latest";

export function assertLabelName(name: string) {
  if (!LABEL_NAME.test(name))
    throw new AppError(
      "invalid_request",
      "label must match ^[a-z][a-z0-9_-]{0,39}$ (lowercase letters, digits, _ and -, starting with a letter)",
    );
}
