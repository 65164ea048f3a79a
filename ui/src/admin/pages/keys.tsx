import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../../api.ts';
import { ConfirmAction } from '../../confirm-action.tsx';
import { formatDateTime } from '../../format.ts';
import { ErrorMessage, Field, SelectField, StatusMessage } from '../../forms.tsx';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { ShownOnce } from '../../shown-once.tsx';
import type { ApiKey } from '../../types.ts';
import { useLoad } from '../../use-load.ts';

const KEY_ROLES = [
  { value: 'operator', label: 'Operator' },
  { value: 'read-only', label: 'Read-only' },
  { value: 'admin', label: 'Admin' },
];

interface MadeKey {
  id: string;
  key: string;
  role: ApiKey['role'];
}

/**
 * API keys for programs that use the operator API (admins only): the keys there are, a new one shown once, and
 * revoking one. The hub keeps only a key's hash, so the list never shows a key.
 */
export function KeysPage() {
  const [keys, reload] = useLoad((signal) => api<{ keys: ApiKey[] }>('/api/v1/keys', { signal }), []);
  const [made, setMade] = useState<MadeKey | null>(null);
  return (
    <>
      <PageTitle>API keys</PageTitle>
      <p>
        A program uses the operator API with a key in its <code>Authorization: Bearer …</code> header, and may
        do what the key&apos;s role allows.
      </p>
      <NewKey
        onMade={(key) => {
          setMade(key);
          reload();
        }}
      />
      <StatusMessage>
        {made && (
          <ShownOnce value={made.key} copyLabel="Copy the key">
            Key {made.id} ({made.role}) is made. <strong>Copy it now: it is not shown again.</strong>
          </ShownOnce>
        )}
      </StatusMessage>
      <ShowLoaded loaded={keys}>{({ keys }) => <KeysTable keys={keys} onRevoked={reload} />}</ShowLoaded>
    </>
  );
}

function NewKey({ onMade }: { onMade(key: MadeKey): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const label = String(form.get('label') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      const made = await api<MadeKey>('/api/v1/keys', {
        method: 'POST',
        body: { role: String(form.get('role')), label: label || undefined },
      });
      formElement.reset();
      onMade(made);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="new-key">
      <h2 id="new-key">Make a key</h2>
      <form onSubmit={submit} className="filters">
        <Field
          label="Label (optional)"
          name="label"
          maxLength={100}
          autoComplete="off"
          hint="What uses it: “ERP export”, “warehouse scanner”."
        />
        <SelectField label="Role" name="role" options={KEY_ROLES} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Making…' : 'Make key'}
          </button>
        </div>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
    </section>
  );
}

function KeysTable({ keys, onRevoked }: { keys: ApiKey[]; onRevoked(): void }) {
  if (keys.length === 0) return <p>There is no API key yet.</p>;
  return (
    <div className="table-scroll">
      <table>
        <caption>API keys, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Label</th>
            <th scope="col">Role</th>
            <th scope="col">Made</th>
            <th scope="col">State</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <th scope="row" className="id">
                {k.id}
              </th>
              <td>{k.label ?? '—'}</td>
              <td>{k.role}</td>
              <td>{formatDateTime(k.createdAt)}</td>
              <td>
                {k.revokedAt ? (
                  <>
                    <span className="badge warn">revoked</span>{' '}
                    <span className="muted">{formatDateTime(k.revokedAt)}</span>
                  </>
                ) : (
                  'active'
                )}
              </td>
              <td>
                {!k.revokedAt && (
                  <ConfirmAction
                    label="Revoke"
                    accessibleLabel={`Revoke ${k.id}`}
                    title={`Revoke key ${k.label ? `“${k.label}” (${k.id})` : k.id}?`}
                    confirmLabel="Revoke"
                    danger
                    onConfirm={async () => {
                      await api(`/api/v1/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
                    }}
                    onDone={onRevoked}
                  >
                    <p>
                      Programs using it are refused within 5 seconds. A revoked key cannot be used again: make
                      a new one instead.
                    </p>
                  </ConfirmAction>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
