import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../../api.ts';
import { formatDateTime } from '../../format.ts';
import { ErrorMessage, Field, SelectField, StatusMessage } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import type { SessionUser } from '../../types.ts';
import { useLoad } from '../../use-load.ts';
import { usePartners } from '../partners.ts';

const OPERATOR_ROLES = [
  { value: 'operator', label: 'Operator' },
  { value: 'read-only', label: 'Read-only' },
  { value: 'admin', label: 'Admin' },
];

/** The people who sign in (admins only): who they are, and a new one with the one-time link to send them. */
export function UsersPage() {
  const [users, reload] = useLoad(
    (signal) => api<{ users: (SessionUser & { createdAt: string })[] }>('/api/v1/users', { signal }),
    [],
  );
  return (
    <>
      <PageTitle>Users</PageTitle>
      <NewUser onCreated={reload} />
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
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.id}>
                    <th scope="row">{u.email}</th>
                    <td>{u.supplierId ? `supplier (${u.supplierId})` : u.role}</td>
                    <td>{u.hasPassword ? 'chosen' : 'not yet'}</td>
                    <td>{formatDateTime(u.createdAt)}</td>
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

/**
 * An operator gets a role; a supplier's user gets the supplier it works for. The hub answers the sign-in link once
 * (it keeps only its hash), so it is shown here to copy and send.
 */
function NewUser({ onCreated }: { onCreated(): void }) {
  const { suppliers } = usePartners();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const email = String(form.get('email')).trim();
    const kind = String(form.get('kind'));
    const body = kind.startsWith('supplier:') ? { email, supplierId: kind.slice(9) } : { email, role: kind };
    setBusy(true);
    setError(null);
    setLink(null);
    try {
      const created = await api<{ signInPath: string }>('/api/v1/users', { method: 'POST', body });
      setLink({ email, url: new URL(created.signInPath, window.location.origin).href });
      formElement.reset();
      onCreated();
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
      <StatusMessage>
        {link && (
          <>
            Send {link.email} this sign-in link (it works once, for 72 hours): <code>{link.url}</code>
          </>
        )}
      </StatusMessage>
    </section>
  );
}
