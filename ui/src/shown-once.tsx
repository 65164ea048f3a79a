import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A secret the hub answers once and keeps only the hash of (an API key, a sign-in link): what it is, the value to copy,
 * and a Copy button. Put it in the page's `StatusMessage`, so that it is announced as it appears; "Copied" is
 * announced the same way. Where the browser refuses the clipboard (a page not served over HTTPS), the value is
 * selected for the person to copy with the keyboard.
 *
 * @example
 * <StatusMessage>{made && <ShownOnce copyLabel="Copy the key" value={made.key}>Key {made.id}: copy it now.</ShownOnce>}</StatusMessage>
 */
export function ShownOnce({
  value,
  copyLabel,
  children,
}: {
  value: string;
  /** The Copy button's text, naming what it copies ("Copy the key"). */
  copyLabel: string;
  /** What the value is, and what to do with it. */
  children: ReactNode;
}) {
  const code = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState('');
  // Made from a row far down a list, it still comes into view.
  useEffect(() => {
    setCopied('');
    code.current?.scrollIntoView({ block: 'nearest' });
  }, [value]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied.');
    } catch {
      const selection = window.getSelection();
      if (code.current && selection) selection.selectAllChildren(code.current);
      setCopied('The browser did not let the page copy it: it is selected, press Ctrl+C (⌘C on a Mac).');
    }
  };
  return (
    <span className="shown-once">
      <span>{children}</span>
      <code ref={code}>{value}</code>
      <span className="actions">
        <button type="button" onClick={copy}>
          {copyLabel}
        </button>
        <span>{copied}</span>
      </span>
    </span>
  );
}
