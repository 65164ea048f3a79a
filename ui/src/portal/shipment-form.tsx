import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { ErrorMessage, Field, StatusMessage } from '../forms.tsx';
import type { PurchaseOrder } from '../types.ts';

const CARRIERS = ['UPS', 'FedEx', 'USPS', 'DHL', 'DPD', 'GLS', 'Royal Mail', 'PostNL', 'Canada Post'];

/** A date and time as the browser's picker gives it (`2026-12-05T14:30`, local), as an ISO 8601 instant. */
function instantOf(local: string): string | undefined {
  if (!local) return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** Now, as the picker's own local `YYYY-MM-DDTHH:mm`: a parcel cannot have left later than now. */
function localNow(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * A parcel sent: carrier, tracking number, when it left (now, unless given) and how many of each accepted line are in it (all that is left, unless
 * changed). When the hub refuses it (a tracking number it does not take), its reason is shown as it gave it.
 */
export function ShipmentForm({ po, path, onDone }: { po: PurchaseOrder; path: string; onDone(): void }) {
  const open = po.lines.filter((l) => l.status === 'accepted' && l.shippedQuantity < l.quantity);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState('');

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const lines = open
      .map((l) => ({ lineNumber: l.lineNumber, quantity: Number(form.get(`quantity-${l.lineNumber}`) || 0) }))
      .filter((l) => l.quantity > 0);
    if (lines.length === 0) return setError('Put at least one item in the parcel.');
    const trackingNumber = String(form.get('trackingNumber')).trim();
    const shippedAt = instantOf(String(form.get('shippedAt') ?? ''));
    setBusy(true);
    setError(null);
    setDone('');
    try {
      const shipment = await api<{ duplicate: boolean }>(`${path}/shipments`, {
        method: 'POST',
        body: { carrier: String(form.get('carrier')).trim(), trackingNumber, shippedAt, lines },
      });
      setDone(
        shipment.duplicate
          ? `Shipment ${trackingNumber} was already recorded.`
          : `Shipment ${trackingNumber} is recorded.`,
      );
      onDone();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="shipment-heading">
      <h2 id="shipment-heading">Report a shipment</h2>
      <StatusMessage>{done}</StatusMessage>
      {open.length === 0 && <p>Everything accepted on this purchase order has been shipped.</p>}
      {open.length > 0 && (
        // Keyed by what is left to ship, so the quantities start again from it after each shipment.
        <form key={open.map((l) => l.shippedQuantity).join()} onSubmit={submit} className="stack">
          <Field label="Carrier" name="carrier" list="carriers" required maxLength={50} autoComplete="off" />
          <datalist id="carriers">
            {CARRIERS.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          <Field
            label="Tracking number"
            name="trackingNumber"
            required
            autoComplete="off"
            hint="As the carrier printed it: letters, digits and dashes."
          />
          <Field
            label="Shipped at (optional)"
            name="shippedAt"
            type="datetime-local"
            max={localNow()}
            hint={`When the parcel left, in your time zone (${timeZone()}); leave it empty for now.`}
          />
          <fieldset>
            <legend>Items in this parcel</legend>
            {open.map((l) => (
              <Field
                key={l.lineNumber}
                label={`Line ${l.lineNumber}: ${l.supplierSku} (${l.quantity - l.shippedQuantity} left to ship)`}
                name={`quantity-${l.lineNumber}`}
                type="number"
                inputMode="numeric"
                min={0}
                max={l.quantity - l.shippedQuantity}
                defaultValue={l.quantity - l.shippedQuantity}
              />
            ))}
          </fieldset>
          <ErrorMessage>{error}</ErrorMessage>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Sending…' : 'Report shipment'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
