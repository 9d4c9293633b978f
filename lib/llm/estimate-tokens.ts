/**
 * The one token estimate: ~4 bytes of UTF-8 per token, as real tokenizers average on English
 * (and roughly one per character on CJK, which takes 3 bytes). Used wherever a count is needed
 * that no provider reported: the offline model's usage, the input charge of a run the provider
 * never reported usage for (engine.ts), the reservation's input (twice this, reservation.ts).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 4);
}
