import { describe, expect, it } from 'vitest';
import { editedAway } from './order-edit.ts';

const line = (
  lineNumber: number,
  channelLineId: string | null,
  quantity: number,
  state: 'routed' | 'cancelled' | 'no_shipping' = 'routed',
) => ({ lineNumber, channelLineId, quantity, state });

describe('editedAway', () => {
  it('finds lines removed (absent, or edited to none) and reduced, by the channel line id', () => {
    const lines = [line(1, '11', 3), line(2, '12', 1), line(3, '13', 2), line(4, '14', 1)];
    const update = [
      { channelLineId: '11', quantity: 1 },
      { channelLineId: '13', quantity: 0 },
      { channelLineId: '14', quantity: 1 },
    ];
    expect(editedAway(lines, update)).toEqual({
      removed: [2, 3],
      reduced: [{ lineNumber: 1, from: 3, to: 1 }],
    });
  });

  it('leaves alone lines without an id, cancelled lines, lines that need no shipping, and what grew', () => {
    const lines = [
      line(1, null, 3),
      line(2, '12', 1, 'cancelled'),
      line(3, '13', 1, 'no_shipping'),
      line(4, '14', 1),
    ];
    expect(editedAway(lines, [{ channelLineId: '14', quantity: 5 }])).toEqual({ removed: [], reduced: [] });
  });
});
