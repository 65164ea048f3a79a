import { humanize } from './format.ts';

/** States a person has to look at (a hold, a failure) stand out from the rest. */
const NEEDS_A_LOOK = new Set(['on_hold', 'rejected', 'send_failed', 'exception', 'backordered', 'dead']);

export function StateBadge({ state }: { state: string }) {
  return <span className={NEEDS_A_LOOK.has(state) ? 'badge warn' : 'badge'}>{humanize(state)}</span>;
}
