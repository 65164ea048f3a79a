import { z } from 'zod';

/** The generic storefront: where Waybill posts events (optional: a storefront may only send orders). */
export const storefrontConfig = z.object({
  notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
export type StorefrontConfig = z.infer<typeof storefrontConfig>;

export const storefrontSecrets = z.object({
  notifySecret: z.string().min(16, 'must be at least 16 characters').optional(),
});
export type StorefrontSecrets = z.infer<typeof storefrontSecrets>;
