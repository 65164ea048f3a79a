import type { IncomingLine, OrderLine } from './order.ts';

/**
 * What an order edit at the channel took away, line by line, matched by the channel's own line id (an edit keeps
 * the ids of the lines it leaves). A line the channel no longer lists, or lists with no units, was removed; one
 * with fewer units was reduced. Lines that need no shipping, lines already cancelled and lines taken in without
 * the channel's id are not compared. Added lines and raised quantities are not taken from an edit: a new order
 * would be needed for those, and the channel's own flow makes one.
 *
 * @example
 * editedAway(order.lines, update.lines) // { removed: [2], reduced: [{ lineNumber: 1, from: 3, to: 1 }] }
 */
export interface EditedAway {
  removed: number[];
  reduced: { lineNumber: number; from: number; to: number }[];
}

export function editedAway(
  lines: readonly Pick<OrderLine, 'lineNumber' | 'channelLineId' | 'quantity' | 'state'>[],
  update: readonly Pick<IncomingLine, 'channelLineId' | 'quantity'>[],
): EditedAway {
  const now = new Map<string, number>();
  for (const line of update)
    if (line.channelLineId) now.set(line.channelLineId, (now.get(line.channelLineId) ?? 0) + line.quantity);
  const edit: EditedAway = { removed: [], reduced: [] };
  for (const line of lines) {
    if (!line.channelLineId || line.state === 'cancelled' || line.state === 'no_shipping') continue;
    const left = now.get(line.channelLineId) ?? 0;
    if (left === 0) edit.removed.push(line.lineNumber);
    else if (left < line.quantity)
      edit.reduced.push({ lineNumber: line.lineNumber, from: line.quantity, to: left });
  }
  return edit;
}
