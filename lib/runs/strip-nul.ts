// PostgreSQL text and jsonb cannot hold NUL (U+0000), and a model may emit it: the stream carries
// it to the client as produced; what is stored (output so far, final output, citations, error
// message) drops it rather than failing the write. Run inputs are refused instead
// (lib/workflows/inputs.ts): those are the caller's, and silently changing them would be worse.
export const stripNul = (s: string): string => (s.includes("\u0000") ? s.replaceAll("\u0000", "") : s);
