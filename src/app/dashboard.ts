import { countAttention, countOrdersPerDay } from '../store/dashboard.repo.ts';
import { listChannelsForApi } from '../store/views-catalog.repo.ts';
import { channelApiVersion } from './channel-api-version.ts';
import type { AppContext } from './context.ts';

const DAY_MS = 86_400_000;

export interface Dashboard {
  /** What needs a person now. */
  attention: {
    reviewQueue: number;
    deadLetters: number;
    overduePurchaseOrders: number;
    /** Channels whose webhooks or API version need action, each with why. */
    channels: { id: string; name: string; reasons: string[] }[];
  };
  /** Orders placed per UTC day and channel, the last `days` days (today included), days without orders at 0. */
  ordersPerDay: { day: string; channels: Record<string, number> }[];
}

/** The operator's first screen: what needs attention, and how orders came in lately. */
export async function dashboardOf(ctx: AppContext, days: number): Promise<Dashboard> {
  const db = ctx.store.db;
  const now = ctx.clock.now();
  const today = Math.floor(now.getTime() / DAY_MS);
  const first = today - days + 1;
  const [counts, perDay, channels] = await Promise.all([
    countAttention(db),
    countOrdersPerDay(db, first * DAY_MS),
    listChannelsForApi(db),
  ]);
  const needing = [];
  for (const channel of channels) {
    const reasons: string[] = [];
    const health = channel.webhook_health
      ? (JSON.parse(channel.webhook_health) as { webhooks: { topic: string; status: string }[] })
      : null;
    for (const hook of health?.webhooks ?? [])
      if (hook.status !== 'active') reasons.push(`webhook ${hook.topic} is ${hook.status}`);
    const version = await channelApiVersion(db, channel.id, ctx.channels.get(channel.kind), now);
    reasons.push(...(version?.warnings ?? []));
    if (reasons.length) needing.push({ id: channel.id, name: channel.name, reasons });
  }
  const ids = channels.map((c) => c.id);
  const ordersPerDay = Array.from({ length: days }, (_, i) => ({
    day: new Date((first + i) * DAY_MS).toISOString().slice(0, 10),
    channels: Object.fromEntries(ids.map((id) => [id, 0])) as Record<string, number>,
  }));
  for (const row of perDay) {
    const at = ordersPerDay[row.day - first];
    if (at) at.channels[row.channelId] = row.orders;
  }
  return {
    attention: {
      reviewQueue: counts.held,
      deadLetters: counts.deadLetters,
      overduePurchaseOrders: counts.overduePurchaseOrders,
      channels: needing,
    },
    ordersPerDay,
  };
}
