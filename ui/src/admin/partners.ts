import { api } from '../api.ts';
import type { Channel, Supplier } from '../types.ts';
import { useLoad } from '../use-load.ts';

/**
 * The channels and suppliers, for filters and pickers; empty lists until they come (a picker then offers "any"
 * alone). `ready` tells when they are in, so a form can wait to set its choices.
 */
export function usePartners(): { channels: Channel[]; suppliers: Supplier[]; ready: boolean } {
  const [loaded] = useLoad(async (signal) => {
    const [channels, suppliers] = await Promise.all([
      api<{ channels: Channel[] }>('/api/v1/channels', { signal }),
      api<{ suppliers: Supplier[] }>('/api/v1/suppliers', { signal }),
    ]);
    return { channels: channels.channels, suppliers: suppliers.suppliers };
  }, []);
  if (loaded.status !== 'loaded') return { channels: [], suppliers: [], ready: loaded.status === 'failed' };
  return { ...loaded.data, ready: true };
}

/** A channel's name by its id (the id itself until the channels come, or for one that is gone). */
export function useChannelNames(): (channelId: string) => string {
  const { channels } = usePartners();
  const names = new Map(channels.map((c) => [c.id, c.name]));
  return (channelId) => names.get(channelId) ?? channelId;
}
