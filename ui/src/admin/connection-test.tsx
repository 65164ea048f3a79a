import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { ConnectionCheck } from '../types.ts';

/** "Test connection" for a channel or supplier: one real request with its stored settings, and what it found. */
export function ConnectionTest({ path, name }: { path: string; name: string }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string>('');
  const test = async () => {
    setBusy(true);
    setResult('');
    try {
      const check = await api<ConnectionCheck>(path, { method: 'POST' });
      setResult(
        check.ok ? `Connected: ${check.detail}` : `Failed (${check.reason ?? 'error'}): ${check.detail}`,
      );
    } catch (error) {
      setResult(`Failed: ${messageOf(error)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <button type="button" onClick={test} disabled={busy} aria-label={`Test connection to ${name}`}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      <p role="status" className="muted">
        {result}
      </p>
    </div>
  );
}
