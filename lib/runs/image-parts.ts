import type { LanguageModelV4FilePart, LanguageModelV4Prompt } from "@ai-sdk/provider";
import { AppError } from "@/lib/errors";
import { IMAGE_DATA_URL, valueSchema } from "@/lib/workflows/variable-types";

// Images in a prompt: image variables and chat attachments become LanguageModelV4 file parts,
// which @ai-sdk/openai sends in the provider's own wire format (chat `image_url`, Responses
// `input_image`). A URL is handed to the provider as a URL: we never fetch it (runEngine calls
// doStream directly, so the SDK's download step for unsupported URLs never runs either).

/** The most images one run may send (variables and attachments together). */
export const MAX_IMAGES_PER_RUN = 20;
/**
 * What an image counts for in the credit reservation's input estimate (an OpenAI high-detail
 * image is at most ~1.1k tokens; the provider's reported usage is what is charged).
 */
const IMAGE_TOKENS_ESTIMATE = 1_600;

const BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
};

/** A checked image value (lib/workflows/variable-types.ts) as a prompt part. */
export function imageFilePart(value: string, mediaType?: string): LanguageModelV4FilePart {
  const data = IMAGE_DATA_URL.exec(value);
  if (data) return { type: "file", mediaType: data[1]!, data: { type: "data", data: data[2]! } };
  const url = new URL(value);
  // The top-level type is a valid media type for a URL whose format is not known.
  const ext = /\.([a-z]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  return { type: "file", mediaType: mediaType ?? BY_EXTENSION[ext ?? ""] ?? "image", data: { type: "url", url } };
}

/** How a run record keeps an image input: a URL as it is, a data: URL as its media type and size. */
export function storedImage(value: string): string {
  const data = IMAGE_DATA_URL.exec(value);
  return data ? `data:${data[1]};base64,… (${data[2]!.length} characters)` : value;
}

const ACCEPTED = new Set(Object.values(BY_EXTENSION));
export const NOT_AN_IMAGE =
  "must be an image (image/png, image/jpeg, image/webp or image/gif) at an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL";
const IMAGE_VALUE = valueSchema({ name: "image", type: "image" });

/** An image sent in a request (not a variable): an https: URL or a data:image URL, bounded as image variables are. */
export const isImageUrl = (url: unknown): url is string => IMAGE_VALUE.safeParse(url).success;

/**
 * A chat message's image attachments: AI SDK 5+ `{type: "file", mediaType, url}` parts, AI SDK ≤ 4
 * `experimental_attachments` `{contentType, url}`. Anything else attached is a 400 (`where` names
 * the message).
 */
export function chatImages(m: { parts?: unknown[]; experimental_attachments?: unknown }, where: string): LanguageModelV4FilePart[] {
  const files: Array<{ mediaType: unknown; url: unknown }> = [];
  for (const p of m.parts ?? []) {
    if (p && typeof p === "object" && (p as { type?: unknown }).type === "file") files.push(p as { mediaType: unknown; url: unknown });
  }
  if (Array.isArray(m.experimental_attachments)) {
    for (const a of m.experimental_attachments as Array<{ contentType?: unknown; url?: unknown } | null>)
      files.push({ mediaType: a?.contentType, url: a?.url });
  }
  return files.map(({ mediaType, url }) => {
    if (!(typeof mediaType === "string" && ACCEPTED.has(mediaType) && isImageUrl(url)))
      throw new AppError("invalid_request", `${where} file: ${NOT_AN_IMAGE}`);
    // (a data: URL's own media type wins over the declared one)
    return imageFilePart(url, mediaType);
  });
}

/**
 * The prompt as the credit reservation's estimate reads it: each image as a fixed token budget,
 * not its bytes. More than MAX_IMAGES_PER_RUN images is a 400.
 */
export function estimateText(prompt: LanguageModelV4Prompt): string {
  const image = "x".repeat(2 * IMAGE_TOKENS_ESTIMATE); // the estimate is bytes / 2
  let images = 0;
  const text = JSON.stringify(prompt, (_, v: unknown) => ((v as { type?: unknown } | null)?.type === "file" ? (images++, image) : v));
  if (images > MAX_IMAGES_PER_RUN)
    throw new AppError("invalid_request", `A run may send at most ${MAX_IMAGES_PER_RUN} images (this one has ${images})`);
  return text;
}
