import { useState } from 'react';
import { api, Problem } from '../api.ts';
import { ConfirmAction } from '../confirm-action.tsx';
import { Field } from '../forms.tsx';
import type { Address, Order } from '../types.ts';
import { useCanAct } from './can-act.ts';

/** Lines in these states are with a supplier (or past it): the address is theirs to ship to, no longer ours to change. */
const WITH_A_SUPPLIER = new Set(['routed', 'accepted', 'partially_shipped', 'shipped', 'delivered']);

const FIELDS: readonly {
  name: keyof Address;
  label: string;
  required?: boolean;
  max: number;
  hint?: string;
}[] = [
  { name: 'name', label: 'Name', required: true, max: 200 },
  { name: 'line1', label: 'Address line 1', required: true, max: 200 },
  { name: 'line2', label: 'Address line 2 (optional)', max: 200 },
  { name: 'city', label: 'City', required: true, max: 100 },
  {
    name: 'region',
    label: 'Region or state (optional)',
    max: 100,
    hint: 'As the country writes it: IL, CA.',
  },
  { name: 'postalCode', label: 'Postal code', required: true, max: 20 },
  {
    name: 'country',
    label: 'Country',
    required: true,
    max: 2,
    hint: 'Two letters (ISO 3166-1): US, DE, GB.',
  },
  { name: 'phone', label: 'Phone (optional)', max: 40 },
];

/**
 * "Correct the address" of an order no supplier has yet (a held one, typically): a form prefilled with the address as
 * stored, checked again by the hub, which names the part it refuses; that part is marked in the form.
 */
export function AddressCorrection({ order, onDone }: { order: Order; onDone(): void }) {
  const canAct = useCanAct();
  const [refused, setRefused] = useState<string | null>(null);
  if (!canAct || order.state === 'cancelled' || order.state === 'completed') return null;
  if (order.lines.some((l) => WITH_A_SUPPLIER.has(l.state))) return null;

  const save = async (form: FormData) => {
    const address: Record<string, string> = {};
    for (const { name } of FIELDS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) address[name] = name === 'country' ? value.toUpperCase() : value;
    }
    setRefused(null);
    try {
      await api(`/api/v1/orders/${encodeURIComponent(order.id)}/shipping-address`, {
        method: 'PUT',
        body: address,
      });
    } catch (failure) {
      // The hub names the field as the body's (`postalCode`) or the order's (`shippingAddress.postalCode`).
      if (failure instanceof Problem && failure.field) setRefused(failure.field.split('.').at(-1) ?? null);
      throw failure;
    }
  };

  return (
    <ConfirmAction
      label="Correct the address"
      accessibleLabel={`Correct the address of order ${order.externalId}`}
      title={`Correct the shipping address of order ${order.externalId}?`}
      confirmLabel="Save the address"
      dismissLabel="Keep it as it is"
      onConfirm={save}
      onDone={() => {
        setRefused(null);
        onDone();
      }}
    >
      <p>
        The hub checks it again as it did when the order came in. A hold for the address ends when it passes;
        any other hold stays for a person to approve.
      </p>
      <div className="field-grid">
        {FIELDS.map((f) => (
          <Field
            key={f.name}
            label={f.label}
            name={f.name}
            defaultValue={order.shippingAddress[f.name] ?? ''}
            required={f.required}
            maxLength={f.max}
            hint={f.hint}
            autoComplete="off"
            aria-invalid={refused === f.name ? true : undefined}
          />
        ))}
      </div>
    </ConfirmAction>
  );
}
