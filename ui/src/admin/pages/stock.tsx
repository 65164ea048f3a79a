import { api } from '../../api.ts';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { StockLevel } from '../../types.ts';
import { useLoad } from '../../use-load.ts';

/** Available to promise per SKU: supplier stock less safety buffers, minus what open orders hold. */
export function StockPage() {
  const [stock] = useLoad((signal) => api<{ levels: StockLevel[] }>('/api/v1/stock', { signal }), []);
  return (
    <>
      <PageTitle>Stock</PageTitle>
      <ShowLoaded loaded={stock}>
        {({ levels }) =>
          levels.length === 0 ? (
            <p>No product has stock reported.</p>
          ) : (
            <div className="table-scroll">
              <table>
                <caption>Available to promise, by SKU</caption>
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
                  </tr>
                </thead>
                <tbody>
                  {levels.map((l) => (
                    <tr key={l.sku}>
                      <th scope="row">{l.sku}</th>
                      <td className="number">{l.onHand}</td>
                      <td className="number">{l.reserved}</td>
                      <td className="number">{l.available ?? 'not limited'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </ShowLoaded>
    </>
  );
}
