import type { ChannelKind } from '../connectors/channels/channel-adapter.ts';
import { getSetting, putSetting } from '../store/partners.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';

// Which API version a platform answers a channel with, for the kinds that pin one and are told (Shopify says it in
// every answer). The note is kept per channel in settings, so that every process's API shows what any worker saw.

const KEY = 'channel.servedApiVersion ';

interface StoredNote {
  requested: string;
  served: string;
  at: string;
}

/** What GET /api/v1/channels shows of a channel's API version (null for kinds that pin none). */
export interface ChannelApiVersion {
  requested: string;
  supportedUntil: string;
  /** The version the platform last said it answered with, when not the one asked for; else null. */
  served: string | null;
  servedSince: string | null;
  warnings: string[];
}

/** What each hub noted already, by channel. */
const noted = new WeakMap<object, Map<string, string>>();

/**
 * Keeps the note that the platform answered this channel with another version than its kind asks for, and logs it,
 * once: a note already kept (by this process or another) changes nothing.
 */
export async function noteServedApiVersion(
  ctx: AppContext,
  channelId: string,
  kind: ChannelKind,
  served: string,
): Promise<void> {
  const requested = kind.apiVersion?.requested;
  if (!requested) return;
  // Every answer in another version tells it: read the note only the first time in this hub (its queue is its own).
  const seen = noted.get(ctx.queue) ?? new Map<string, string>();
  noted.set(ctx.queue, seen);
  if (seen.get(channelId) === served) return;
  seen.set(channelId, served);
  const kept = await getSetting(ctx.store.db, KEY + channelId);
  const previous = kept ? (JSON.parse(kept) as StoredNote) : null;
  if (previous?.requested === requested && previous.served === served) return;
  const note: StoredNote = { requested, served, at: ctx.clock.now().toISOString() };
  await putSetting(ctx.store.db, KEY + channelId, JSON.stringify(note));
  ctx.log.warn(`${kind.label} answers with another API version than Waybill asks for`, {
    channel: channelId,
    requested,
    served,
  });
}

/** The API version part of a channel's status, at `now`. */
export async function channelApiVersion(
  db: Db,
  channelId: string,
  kind: ChannelKind | undefined,
  now: Date,
): Promise<ChannelApiVersion | null> {
  const versioning = kind?.apiVersion;
  if (!versioning) return null;
  const kept = await getSetting(db, KEY + channelId);
  const note = kept ? (JSON.parse(kept) as StoredNote) : null;
  // A note of another pinned version (Waybill updated since) says nothing about this one.
  const served = note?.requested === versioning.requested ? note.served : null;
  const status = versioning.status(now, served);
  return {
    requested: versioning.requested,
    supportedUntil: versioning.supportedUntil,
    served: status.served,
    servedSince: status.served && note ? note.at : null,
    warnings: status.warnings,
  };
}
