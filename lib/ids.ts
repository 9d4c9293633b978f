import { createHash, randomFillSync } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

// CSPRNG bytes drawn 4 KiB at a time: a request makes four ids, and a randomBytes() call each
// (a fresh buffer and a trip into the crypto binding) was ~1 % of server CPU under load. Each byte
// is used once, then the pool is refilled.
const pool = new Uint8Array(4096);
let next = pool.length;

function randomByte(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]!;
}

/** `n` lowercase alphanumerics from a CSPRNG (rejection sampling keeps it unbiased). */
export function randomAlnum(n: number): string {
  let out = "";
  while (out.length < n) {
    const b = randomByte();
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}

// Ids are generated here only, each with its prefix. Lengths follow the contract (docs/contract.md, "Ids and secrets").
export const newId = {
  org: () => `org_${randomAlnum(24)}`,
  workflow: () => `wf_${randomAlnum(24)}`,
  version: () => `wfv_${randomAlnum(24)}`,
  run: () => `run_${randomAlnum(24)}`,
  apiKey: () => `key_${randomAlnum(24)}`,
  ledger: () => `led_${randomAlnum(24)}`,
  request: () => `req_${randomAlnum(20)}`,
  webhook: () => `wh_${randomAlnum(24)}`,
  webhookMessage: () => `msg_${randomAlnum(24)}`,
  creditPack: () => `pack_${randomAlnum(24)}`,
  purchase: () => `pur_${randomAlnum(24)}`,
  evalCase: () => `evc_${randomAlnum(24)}`,
  evalRun: () => `evr_${randomAlnum(24)}`,
  mail: () => `mail_${randomAlnum(24)}`,
  budget: () => `bud_${randomAlnum(24)}`,
};

/** Well-formed ids. Anything else cannot exist, so it is "not found" without a query (and NUL
 * bytes or huge strings from a URL never reach the database: the fuzz suite found a 500 there). */
export const isId = {
  workflow: (s: string) => /^wf_[a-z0-9]{24}$/.test(s),
  budget: (s: string) => /^bud_[a-z0-9]{24}$/.test(s),
  run: (s: string) => /^run_[a-z0-9]{24}$/.test(s),
  apiKey: (s: string) => /^key_[a-z0-9]{24}$/.test(s),
  org: (s: string) => /^org_[a-z0-9]{24}$/.test(s),
  webhook: (s: string) => /^wh_[a-z0-9]{24}$/.test(s),
  webhookMessage: (s: string) => /^msg_[a-z0-9]{24}$/.test(s),
  creditPack: (s: string) => /^pack_[a-z0-9]{24}$/.test(s),
  evalCase: (s: string) => /^evc_[a-z0-9]{24}$/.test(s),
  evalRun: (s: string) => /^evr_[a-z0-9]{24}$/.test(s),
};

/** Secrets: shown once, stored only as their SHA-256. */
export const newSecret = {
  apiKey: () => `sk_${randomAlnum(32)}`,
  streamToken: () => `pub_tok_${randomAlnum(32)}`,
  /** Standard Webhooks' form: whsec_ + the base64 of the HMAC key (24 random bytes). */
  webhookSecret: () => `whsec_${Buffer.from(Array.from({ length: 24 }, randomByte)).toString("base64")}`,
};

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
