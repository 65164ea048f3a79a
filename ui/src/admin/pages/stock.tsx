import type { FormEvent } from 'react';
import { api, query } from '../../api.ts';
import { Field } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { Pager, useFilterDraft, useFilteredPages } from '../../paging.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { StockLevel } from '../../types.ts';
import { useLoad } from '../../use-load.ts';

const FILTERS = ['q'] as const;

/**
 * Available to promise per SKU (supplier stock less safety buffers, minus what open orders hold), and what each
 * channel was last told it can sell: the two differ by the channel's allocation, or while a sync is on its way.
 */
export function StockPage() {
  const list = useFilteredPages(FILTERS, { cursorName: 'after' });
  const [stock] = useLoad(
    (signal) =>
      api<{ levels: StockLevel[]; next: string | null }>(
        `/api/v1/stock${query({ q: list.filters.q, after: list.cursor, limit: list.limit ?? 100 })}`,
        { signal },
      ),
    [list.key],
  );
  const [draft, bind] = useFilterDraft(list.filters);
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    list.search(draft);
  };
  return (
    <>
      <PageTitle>Stock</PageTitle>
      <form role="search" className="filters" onSubmit={search}>
        <Field label="SKU" type="search" hint="A SKU, or its start." {...bind('q')} />
        <div className="actions">
          <button type="submit" className="primary">
            Search
          </button>
        </div>
      </form>
      <ShowLoaded loaded={stock}>
        {({ levels, next }) =>
          levels.length === 0 ? (
            <p>No SKU matches.</p>
          ) : (
            <>
              <div className="table-scroll">
                <table>
                  <caption>Available to promise, by SKU, and what each channel was told</caption>
                  <thead>
                    <tr>
                      <th scope="col">SKU</th>
                      <th scope="col" className="number">
                        On hand
                      </th>
                      <th scope="col" className="number">
                        Reserved
                      </th>
                      <th scope="col" className="number">
                        Available
                      </th>
                      <th scope="col">Channels told</th>
                    </tr>
                  </thead>
                  <tbody>
                    {levels.map((l) => (
                      <tr key={l.sku}>
                        <th scope="row">{l.sku}</th>
                        <td className="number">{l.onHand}</td>
                        <td className="number">{l.reserved}</td>
                        <td className="number">{l.available ?? 'not limited'}</td>
                        <td>
                          {l.channels.length === 0
                            ? 'not yet'
                            : l.channels.map((c) => (
                                <span key={c.channelId} className="told" title={`told ${c.toldAt}`}>
                                  {c.channelId}: {c.told}{' '}
                                </span>
                              ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager list={list} next={next} />
            </>
          )
        }
      </ShowLoaded>
    </>
  );
}
