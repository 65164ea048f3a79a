import { z } from 'zod';
import { feedMapping } from '../feeds/feed-mapping.ts';

/**
 * When a feed looks broken, nothing of it applies until an operator decides: a share of rows failing, or a fall in
 * the total stock or in the number of SKUs listed (against the last accepted feed), at or past these percentages.
 */
const quarantine = z
  .strictObject({
    errorPercent: z.number().min(0).max(100).default(20),
    stockDropPercent: z.number().min(0).max(100).default(90),
    skuDropPercent: z.number().min(0).max(100).default(50),
  })
  .default({ errorPercent: 20, stockDropPercent: 90, skuDropPercent: 50 });

const everyMinutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60)
  .default(60);

/** A feed pulled from an HTTP(S) URL; `authorization` is a secret (sealed at rest, never logged). */
const httpPull = z.strictObject({
  http: z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    everyMinutes,
    authorization: z.string().min(1).optional(),
  }),
});

/** A feed dropped in an SFTP folder: each file taken once, then moved to `processedFolder`. */
const sftpPull = z.strictObject({
  sftp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(22),
      username: z.string().min(1),
      password: z.string().min(1).optional(),
      privateKey: z.string().min(1).optional(),
      /** The server's host key as OpenSSH prints it (SHA256:…); a different key is refused. */
      hostKeySha256: z.string().min(1).optional(),
      folder: z.string().min(1),
      processedFolder: z.string().min(1),
      everyMinutes,
    })
    .refine((s) => s.password !== undefined || s.privateKey !== undefined, {
      message: 'give a password or a privateKey',
      path: ['password'],
    }),
});

/**
 * A supplier's feed: how its file reads, whether it lists everything (`full`) or only changes (`delta`), what a SKU
 * missing from a full feed means (`zero`: out of stock; `keep`: as it was), when it is quarantined, and where it is
 * pulled from (absent: it is uploaded or pushed).
 */
export const feedSettingsInput = z.strictObject({
  mapping: feedMapping,
  kind: z.enum(['full', 'delta']).default('full'),
  missingSkus: z.enum(['zero', 'keep']).default('zero'),
  quarantine,
  pull: z.union([httpPull, sftpPull]).optional(),
});
export type FeedSettings = z.output<typeof feedSettingsInput>;

/**
 * The secrets of a feed's pull, sealed apart from the settings stored in the clear. The URL too: a feed address
 * often carries its credential (`https://user:pass@…`, `?api_key=…`).
 */
const SECRET_FIELDS = ['url', 'authorization', 'password', 'privateKey'] as const;
type FeedSecrets = Partial<Record<(typeof SECRET_FIELDS)[number], string>>;

/** Splits the settings into what is stored in the clear and the secrets to seal. */
export function splitFeedSecrets(settings: FeedSettings): { clear: FeedSettings; secrets: FeedSecrets } {
  const secrets: FeedSecrets = {};
  if (!settings.pull) return { clear: settings, secrets };
  const [where, pull] = Object.entries(settings.pull)[0] as [string, Record<string, unknown>];
  const clearPull = { ...pull };
  for (const field of SECRET_FIELDS)
    if (typeof clearPull[field] === 'string') {
      secrets[field] = clearPull[field];
      delete clearPull[field];
    }
  return { clear: { ...settings, pull: { [where]: clearPull } as FeedSettings['pull'] }, secrets };
}

/** The settings as stored, with their secrets put back. */
export function joinFeedSecrets(clear: FeedSettings, secrets: FeedSecrets): FeedSettings {
  if (!clear.pull) return clear;
  const [where, pull] = Object.entries(clear.pull)[0]!;
  return { ...clear, pull: { [where]: { ...pull, ...secrets } } as FeedSettings['pull'] };
}
