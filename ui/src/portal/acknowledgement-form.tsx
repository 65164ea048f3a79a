import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { ErrorMessage, Field, SelectField } from '../forms.tsx';
import type { PurchaseOrder } from '../types.ts';

type Answer = 'accepted' | 'rejected' | 'backordered';

interface LineAnswer {
  status: Answer;
  reason: string;
  otherReason: string;
  availableOn: string;
}

const ANSWERS: readonly { value: Answer; label: string }[] = [
  { value: 'accepted', label: 'Accept' },
  { value: 'rejected', label: 'Reject' },
  { value: 'backordered', label: 'Backorder' },
];

/** Why a supplier turns a line down; "Other" asks for its own words. */
const REJECT_REASONS = [
  'Out of stock',
  'Discontinued',
  'Price has changed',
  'Cannot ship to this address',
  'Other',
] as const;

/**
 * The supplier's answer to a new purchase order, line by line: accept, reject (with a reason) or backorder (with the
 * day it is expected). Every line is answered at once; the hub refuses a second, different answer.
 */
export function AcknowledgementForm({
  po,
  path,
  onDone,
}: {
  po: PurchaseOrder;
  path: string;
  onDone(): void;
}) {
  const [answers, setAnswers] = useState<Record<number, LineAnswer>>(() =>
    Object.fromEntries(
      po.lines.map((l) => [
        l.lineNumber,
        { status: 'accepted', reason: '', otherReason: '', availableOn: '' },
      ]),
    ),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const change = (line: number, patch: Partial<LineAnswer>) =>
    setAnswers((a) => ({ ...a, [line]: { ...a[line]!, ...patch } }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`${path}/acknowledgement`, {
        method: 'POST',
        body: { lines: po.lines.map((l) => wire(l.lineNumber, answers[l.lineNumber]!)) },
      });
      onDone();
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="answer-heading">
      <h2 id="answer-heading">Your answer</h2>
      <form onSubmit={submit} className="stack">
        {po.lines.map((l) => {
          const answer = answers[l.lineNumber]!;
          return (
            <fieldset key={l.lineNumber}>
              <legend>
                Line {l.lineNumber}: {l.quantity} × {l.supplierSku}
              </legend>
              <div className="actions">
                {ANSWERS.map((a) => (
                  <label key={a.value}>
                    <input
                      type="radio"
                      name={`line-${l.lineNumber}`}
                      value={a.value}
                      checked={answer.status === a.value}
                      onChange={() => change(l.lineNumber, { status: a.value })}
                    />{' '}
                    {a.label}
                  </label>
                ))}
              </div>
              {answer.status === 'rejected' && (
                <>
                  <SelectField
                    label={`Reason for rejecting line ${l.lineNumber}`}
                    value={answer.reason}
                    onChange={(e) => change(l.lineNumber, { reason: e.target.value })}
                    empty="Choose a reason"
                    required
                    options={REJECT_REASONS.map((r) => ({ value: r, label: r }))}
                  />
                  {answer.reason === 'Other' && (
                    <Field
                      label={`Your reason for line ${l.lineNumber}`}
                      value={answer.otherReason}
                      onChange={(e) => change(l.lineNumber, { otherReason: e.target.value })}
                      maxLength={500}
                      required
                    />
                  )}
                </>
              )}
              {answer.status === 'backordered' && (
                <Field
                  label={`Expected in stock (line ${l.lineNumber})`}
                  type="date"
                  value={answer.availableOn}
                  onChange={(e) => change(l.lineNumber, { availableOn: e.target.value })}
                  required
                />
              )}
            </fieldset>
          );
        })}
        <ErrorMessage>{error}</ErrorMessage>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Sending…' : 'Send answer'}
          </button>
        </div>
      </form>
    </section>
  );
}

function wire(lineNumber: number, answer: LineAnswer) {
  if (answer.status === 'rejected')
    return {
      lineNumber,
      status: answer.status,
      reason: answer.reason === 'Other' ? answer.otherReason.trim() : answer.reason,
    };
  if (answer.status === 'backordered')
    return { lineNumber, status: answer.status, availableOn: answer.availableOn };
  return { lineNumber, status: answer.status };
}
