import { api } from '../../api.ts';
import { formatDateTime } from '../../format.ts';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { Channel } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { useCanAct } from '../can-act.ts';
import { ConnectionTest } from '../connection-test.tsx';

export function ChannelsPage() {
  const canAct = useCanAct();
  const [channels] = useLoad((signal) => api<{ channels: Channel[] }>('/api/v1/channels', { signal }), []);
  return (
    <>
      <PageTitle>Channels</PageTitle>
      <ShowLoaded loaded={channels}>
        {({ channels }) => (
          <div className="table-scroll">
            <table>
              <caption>Sales channels</caption>
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Currency</th>
                  <th scope="col">Orders read up to</th>
                  {canAct && <th scope="col">Connection</th>}
                </tr>
              </thead>
              <tbody>
                {channels.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">
                      {c.name} <span className="muted">{c.id}</span>
                    </th>
                    <td>{c.kind}</td>
                    <td>{c.currency}</td>
                    <td>{formatDateTime(c.polledUntil)}</td>
                    {canAct && (
                      <td>
                        <ConnectionTest
                          path={`/api/v1/channels/${encodeURIComponent(c.id)}/test`}
                          name={c.name}
                        />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ShowLoaded>
    </>
  );
}
