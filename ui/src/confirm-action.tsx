import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { messageOf } from './api.ts';
import { ErrorMessage } from './forms.tsx';

interface ConfirmActionProps {
  /** The button that opens the dialog. */
  label: string;
  /** The button's name for screen readers where the label alone is ambiguous (one per row): starts with `label`. */
  accessibleLabel?: string;
  /** What the dialog asks, as its heading: "Approve order 1001?". */
  title: string;
  confirmLabel: string;
  /** The button that closes the dialog doing nothing ("Cancel" unless that would be confusing). */
  dismissLabel?: string;
  /** Fields the action needs (a note, a reason); their values come to `onConfirm` by name. */
  children?: ReactNode;
  danger?: boolean;
  /** Does the action; a refusal it throws is shown in the dialog, which stays open. */
  onConfirm(form: FormData): Promise<void>;
  /** After the action succeeded and the dialog closed: reload what it changed. */
  onDone?(): void;
}

/**
 * A button whose action runs only after a confirmation in a modal `<dialog>`. The browser's modal dialog keeps focus
 * inside it and closes on Escape; focus goes back to the button that opened it.
 *
 * @example
 * <ConfirmAction label="Replay" title="Replay job_1?" confirmLabel="Replay" onConfirm={() => replay('job_1')} />
 */
export function ConfirmAction({
  label,
  accessibleLabel,
  title,
  confirmLabel,
  dismissLabel = 'Cancel',
  children,
  danger,
  onConfirm,
  onDone,
}: ConfirmActionProps) {
  const opener = useRef<HTMLButtonElement>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();

  useEffect(() => {
    if (open && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [open]);

  const closed = () => {
    setOpen(false);
    setError(null);
    opener.current?.focus();
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onConfirm(new FormData(event.currentTarget));
      dialog.current?.close();
      onDone?.();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button
        ref={opener}
        type="button"
        className={danger ? 'danger' : undefined}
        aria-label={accessibleLabel}
        onClick={() => setOpen(true)}
      >
        {label}
      </button>
      {open && (
        <dialog ref={dialog} aria-labelledby={titleId} onClose={closed}>
          <form onSubmit={submit}>
            <h2 id={titleId}>{title}</h2>
            {children}
            <ErrorMessage>{error}</ErrorMessage>
            <div className="actions">
              <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy}>
                {busy ? 'Working…' : confirmLabel}
              </button>
              <button type="button" onClick={() => dialog.current?.close()}>
                {dismissLabel}
              </button>
            </div>
          </form>
        </dialog>
      )}
    </>
  );
}
