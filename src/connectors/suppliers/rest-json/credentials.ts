import { z } from 'zod';

/** Settings of a REST/JSON supplier endpoint (not secret: stored and shown as they are). */
export const restJsonConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
export type RestJsonConfig = z.infer<typeof restJsonConfig>;

/** Secrets: the HMAC key the supplier verifies our signature with. Encrypted at rest, never returned. */
export const restJsonSecrets = z.object({
  signingSecret: z.string().min(16, 'must be at least 16 characters'),
});
export type RestJsonSecrets = z.infer<typeof restJsonSecrets>;
