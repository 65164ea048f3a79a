import { useId } from 'react';
import { api } from '../api.ts';
import { ConfirmAction } from '../confirm-action.tsx';
import { SelectField, TextAreaField } from '../forms.tsx';
import { ShowLoaded } from '../show-loaded.tsx';
import type { Order, OrderLine } from '../types.ts';
import { useLoad } from '../use-load.ts';
import { useCanAct } from './can-act.ts';
import { usePartners } from './partners.ts';

/** Lines past these have left the supplier's hands (or the order): nothing to send elsewhere or cancel. */
const SETTLED_LINE_STATES = new Set([
  'partially_shipped',
  'shipped',
  'delivered',
  'cancelled',
  'no_shipping',
]);

interface OrderActionsProps {
  orderId: string;
  /** How the dialogs name the order: its external id. */
  name: string;
  state: string;
  /** The order's lines, when the page has them; else the dialogs load them. */
  lines?: OrderLine[];
  onDone(): void;
}

/**
 * What an operator does with an order: approve a hold, send lines to another supplier, cancel lines or all of it.
 * Each asks first, in a dialog; a read-only user sees none of them.
 */
export function OrderActions({ orderId, name, state, lines, onDone }: OrderActionsProps) {
  const canAct = useCanAct();
  if (!canAct || state === 'cancelled' || state === 'completed') return null;
  const path = `/api/v1/orders/${encodeURIComponent(orderId)}`;
  const post = (action: string, body: object) => api(`${path}/${action}`, { method: 'POST', body });
  const text = (form: FormData, field: string) => String(form.get(field) ?? '').trim() || undefined;
  const lineNumbers = (form: FormData) => form.getAll('lines').map(Number);

  return (
    <div className="actions">
      {state === 'on_hold' && (
        <ConfirmAction
          label="Approve"
          accessibleLabel={`Approve ${name}`}
          title={`Approve order ${name}?`}
          confirmLabel="Approve"
          onConfirm={async (form) => {
            await post('approve', { note: text(form, 'note') });
          }}
          onDone={onDone}
        >
          <p>The hold is released and the lines waiting are routed by the rules.</p>
          <TextAreaField label="Note (optional)" name="note" maxLength={500} />
        </ConfirmAction>
      )}
      <ConfirmAction
        label="Reroute"
        accessibleLabel={`Reroute ${name}`}
        title={`Send lines of order ${name} elsewhere?`}
        confirmLabel="Reroute"
        onConfirm={async (form) => {
          const chosen = lineNumbers(form);
          if (chosen.length === 0) throw new Error('Choose at least one line.');
          await post('reroute', { lines: chosen, to: text(form, 'to'), note: text(form, 'note') });
        }}
        onDone={onDone}
      >
        <p>Their purchase orders are withdrawn from the suppliers that have them.</p>
        <LinePicker orderId={orderId} lines={lines} legend="Lines to send elsewhere" />
        <SupplierPicker />
        <TextAreaField label="Note (optional)" name="note" maxLength={500} />
      </ConfirmAction>
      <ConfirmAction
        label="Cancel order"
        accessibleLabel={`Cancel order ${name}`}
        title={`Cancel order ${name}?`}
        confirmLabel="Cancel and refund"
        dismissLabel="Keep the order"
        danger
        onConfirm={async (form) => {
          const chosen = lineNumbers(form);
          await post('cancel', { reason: text(form, 'reason'), lines: chosen.length ? chosen : undefined });
        }}
        onDone={onDone}
      >
        <p>The lines are cancelled and refunded at the channel. Choose none to cancel the whole order.</p>
        <LinePicker orderId={orderId} lines={lines} legend="Lines to cancel (none: all)" />
        <TextAreaField
          label="Reason"
          name="reason"
          required
          maxLength={500}
          hint="Sent to the customer with the refund."
        />
      </ConfirmAction>
    </div>
  );
}

function SupplierPicker() {
  const { suppliers } = usePartners();
  return (
    <SelectField
      label="Send to"
      name="to"
      empty="The best other supplier, by the rules"
      options={suppliers.map((s) => ({ value: s.id, label: s.name }))}
    />
  );
}

/** Checkboxes of the lines that can still be acted on, named `lines`. */
function LinePicker({ orderId, lines, legend }: { orderId: string; lines?: OrderLine[]; legend: string }) {
  const [loaded] = useLoad(
    async (signal) =>
      lines ?? (await api<Order>(`/api/v1/orders/${encodeURIComponent(orderId)}`, { signal })).lines,
    [orderId, lines],
  );
  const id = useId();
  return (
    <fieldset>
      <legend>{legend}</legend>
      <ShowLoaded loaded={loaded}>
        {(all) => {
          const open = all.filter((l) => l.requiresShipping && !SETTLED_LINE_STATES.has(l.state));
          if (open.length === 0) return <p>No line can be changed now.</p>;
          return open.map((l) => (
            <div key={l.lineNumber}>
              <input type="checkbox" id={`${id}-${l.lineNumber}`} name="lines" value={l.lineNumber} />{' '}
              <label htmlFor={`${id}-${l.lineNumber}`}>
                Line {l.lineNumber}: {l.quantity} × {l.title ?? l.sku} ({l.supplierId ?? 'no supplier'})
              </label>
            </div>
          ));
        }}
      </ShowLoaded>
    </fieldset>
  );
}
