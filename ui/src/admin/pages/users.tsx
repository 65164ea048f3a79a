import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../../api.ts';
import { ConfirmAction } from '../../confirm-action.tsx';
import { formatDateTime } from '../../format.ts';
import { ErrorMessage, Field, SelectField, StatusMessage } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { ShownOnce } from '../../shown-once.tsx';
import type { UserView } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { usePartners } from '../partners.ts';

const OPERATOR_ROLES = [
  { value: 'operator', label: 'Operator' },
  { value: 'read-only', label: 'Read-only' },
  { value: 'admin', label: 'Admin' },
];

/** A one-time sign-in link, to copy and send to the person it is for. */
interface GivenLink {
  email: string;
  url: string;
}

/**
 * The people who sign in (admins only): who they are and whether they may still sign in; a new person, a new
 * sign-in link for one, and disabling one. A link is answered once by the hub (it keeps only its hash), so it is
 * shown here to copy and send.
 */
export function UsersPage() {
  const [users, reload] = useLoad((signal) => api<{ users: UserView[] }>('/api/v1/users', { signal }), []);
  const [link, setLink] = useState<GivenLink | null>(null);
  const give = (email: string, signInPath: string) =>
    setLink({ email, url: new URL(signInPath, window.location.origin).href });
  return (
    <>
      <PageTitle>Users</PageTitle>
      <NewUser
        onCreated={(email, signInPath) => {
          give(email, signInPath);
          reload();
        }}
        onStart={() => setLink(null)}
      />
      <StatusMessage>
        {link && (
          <ShownOnce value={link.url} copyLabel="Copy the link">
            Send {link.email} this sign-in link (it works once, for 72 hours). It is not shown again.
          </ShownOnce>
        )}
      </StatusMessage>
      <ShowLoaded loaded={users}>
        {({ users }) => (
          <div className="table-scroll">
            <table>
              <caption>People who sign in</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Password</th>
                  <th scope="col">Since</th>
                  <th scope="col">State</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.id}>
                    <th scope="row">{u.email}</th>
                    <td>{u.supplierId ? `supplier (${u.supplierId})` : u.role}</td>
                    <td>{u.hasPassword ? 'chosen' : 'not yet'}</td>
                    <td>{formatDateTime(u.createdAt)}</td>
                    <td>
                      {u.disabledAt ? (
                        <>
                          <span className="badge warn">disabled</span>{' '}
                          <span className="muted">{formatDateTime(u.disabledAt)}</span>
                        </>
                      ) : (
                        'active'
                      )}
                    </td>
                    <td>
                      {!u.disabledAt && (
                        <UserActions user={u} onLink={(path) => give(u.email, path)} onDisabled={reload} />
                      )}
                    </td>
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

/** A new sign-in link (a lost password, a lapsed invitation), and disabling: each asks first. */
function UserActions({
  user,
  onLink,
  onDisabled,
}: {
  user: UserView;
  onLink(signInPath: string): void;
  onDisabled(): void;
}) {
  const path = `/api/v1/users/${encodeURIComponent(user.id)}`;
  return (
    <div className="actions">
      <ConfirmAction
        label="New sign-in link"
        accessibleLabel={`New sign-in link for ${user.email}`}
        title={`A new sign-in link for ${user.email}?`}
        confirmLabel="Make the link"
        onConfirm={async () => {
          const given = await api<{ signInPath: string }>(`${path}/link`, { method: 'POST', body: {} });
          onLink(given.signInPath);
        }}
      >
        <p>
          They open it to sign in and choose a password. It works once, for 72 hours; their password and
          sessions stay as they are until then.
        </p>
      </ConfirmAction>
      <ConfirmAction
        label="Disable"
        accessibleLabel={`Disable ${user.email}`}
        title={`Disable ${user.email}?`}
        confirmLabel="Disable"
        danger
        onConfirm={async () => {
          await api(path, { method: 'DELETE' });
        }}
        onDone={onDisabled}
      >
        <p>
          Their sessions end at once and they cannot sign in again, nor use a link given before. To let them
          back, add them again.
        </p>
      </ConfirmAction>
    </div>
  );
}

/** An operator gets a role; a supplier's user gets the supplier it works for. */
function NewUser({
  onCreated,
  onStart,
}: {
  onCreated(email: string, signInPath: string): void;
  onStart(): void;
}) {
  const { suppliers } = usePartners();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const email = String(form.get('email')).trim();
    const kind = String(form.get('kind'));
    const body = kind.startsWith('supplier:') ? { email, supplierId: kind.slice(9) } : { email, role: kind };
    setBusy(true);
    setError(null);
    onStart();
    try {
      const created = await api<{ signInPath: string }>('/api/v1/users', { method: 'POST', body });
      formElement.reset();
      onCreated(email, created.signInPath);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="new-user">
      <h2 id="new-user">Add a person</h2>
      <form onSubmit={submit} className="filters">
        <Field label="Email" name="email" type="email" required autoComplete="off" />
        <SelectField
          label="Works as"
          name="kind"
          options={[
            ...OPERATOR_ROLES,
            ...suppliers.map((s) => ({ value: `supplier:${s.id}`, label: `Supplier: ${s.name}` })),
          ]}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Add
          </button>
        </div>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
    </section>
  );
}
