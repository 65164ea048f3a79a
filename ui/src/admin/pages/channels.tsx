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
                  <th scope="col">Webhooks</th>
                  <th scope="col">API version</th>
                  <th scope="col">Orders read up to</th>
                  <th scope="col">Stock last told</th>
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
                    <td>
                      <WebhookHealth channel={c} />
                    </td>
                    <td>
                      {c.apiVersion ? (
                        <>
                          {c.apiVersion.requested}{' '}
                          <span className="muted">
                            supported until {c.apiVersion.supportedUntil.slice(0, 10)}
                          </span>
                          {c.apiVersion.warnings.map((w) => (
                            <span key={w} className="badge warn">
                              {w}
                            </span>
                          ))}
                        </>
                      ) : (
                        'not versioned'
                      )}
                    </td>
                    <td>{formatDateTime(c.polledUntil)}</td>
                    <td>{formatDateTime(c.lastStockSyncAt)}</td>
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

/** Each webhook subscription's state as last checked; anything not active is what needs a person. */
function WebhookHealth({ channel }: { channel: Channel }) {
  if (!channel.webhooks) return <span className="muted">not checked</span>;
  const notActive = channel.webhooks.webhooks.filter((w) => w.status !== 'active');
  if (notActive.length === 0) return <>all {channel.webhooks.webhooks.length} active</>;
  return (
    <ul className="plain">
      {notActive.map((w) => (
        <li key={w.topic}>
          <span className="badge warn">
            {w.topic}: {w.status}
          </span>
        </li>
      ))}
    </ul>
  );
}
