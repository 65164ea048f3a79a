import {
  apiVersionStatus,
  type ApiVersionStatus,
  type ServedVersionNote,
} from '../connectors/channels/shopify/api-version.ts';
import { shopifyConfig } from '../connectors/channels/shopify/credentials.ts';
import { adminBase } from '../connectors/channels/shopify/transport.ts';
import type { Clock } from '../domain/ids.ts';
import { getSetting, putSetting } from '../store/partners.repo.ts';
import type { Db } from '../store/schema.ts';
import type { Logger } from './context.ts';

// Which Admin API version Shopify answers a shop with. Only Shopify versions its API per call and says which version
// answered, so this is Shopify's alone. The note is filed per shop (the adapter knows the shop, not the channel id),
// in settings, so that every process's API shows what any worker saw.

const KEY = 'shopify.servedApiVersion ';

interface StoredNote {
  requested: string;
  served: string;
  at: string;
}

/** Keeps the note and logs it, once: a note already kept (by this process or another) changes nothing. */
export async function noteServedApiVersion(
  deps: { db: Db; clock: Clock; log: Logger },
  note: ServedVersionNote,
): Promise<void> {
  const key = KEY + note.shop;
  const kept = await getSetting(deps.db, key);
  const previous = kept ? (JSON.parse(kept) as StoredNote) : null;
  if (previous?.requested === note.requested && previous.served === note.served) return;
  await putSetting(
    deps.db,
    key,
    JSON.stringify({
      requested: note.requested,
      served: note.served,
      at: deps.clock.now().toISOString(),
    } satisfies StoredNote),
  );
  // The host only: an adminUrl may carry a proxy's credentials.
  deps.log.warn('Shopify answers with another Admin API version than Waybill asks for', {
    shop: new URL(note.shop).host,
    requested: note.requested,
    served: note.served,
  });
}

/** The API version part of a channel's status: for Shopify channels, else null. */
export async function channelApiVersion(
  db: Db,
  channel: { kind: string; config: string | null },
  now: Date,
): Promise<(ApiVersionStatus & { servedSince: string | null }) | null> {
  if (channel.kind !== 'shopify' || !channel.config) return null;
  const config = shopifyConfig.safeParse(JSON.parse(channel.config));
  if (!config.success) return null;
  const kept = await getSetting(db, KEY + adminBase(config.data));
  const note = kept ? (JSON.parse(kept) as StoredNote) : null;
  const status = apiVersionStatus(now, note);
  return { ...status, servedSince: status.served && note ? note.at : null };
}
