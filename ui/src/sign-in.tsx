import { useContext, useEffect, useRef, useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate, type Location } from 'react-router';
import { messageOf, Problem } from './api.ts';
import { ErrorMessage, Field, StatusMessage } from './forms.tsx';
import { PageTitle, ProductName } from './layout.tsx';
import { useSession } from './session.tsx';

const MIN_PASSWORD = 12;

/**
 * Sign-in for the admin UI and the portal: email and password, or a one-time link (`/sign-in#link=TOKEN`) whose
 * token is read from the address, sent once, and wiped from the address. Someone signed in by link who has no
 * password yet is asked to choose one. Then back to the page that sent them here.
 */
export function SignInPage() {
  const product = useContext(ProductName);
  const { state, signInWithLink } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [linkError, setLinkError] = useState<string | null>(null);
  const [linkPending, setLinkPending] = useState(false);
  const [skippedPassword, setSkippedPassword] = useState(false);
  const linkTried = useRef(false);
  const from = (location.state as { from?: Location } | null)?.from;
  const linkToken = new URLSearchParams(location.hash.slice(1)).get('link');

  useEffect(() => {
    if (!linkToken || linkTried.current) return;
    // Once only: the token is spent by the first try, and should not stay in the address bar or its history.
    linkTried.current = true;
    setLinkPending(true);
    navigate(
      { pathname: location.pathname, search: location.search, hash: '' },
      { replace: true, state: location.state },
    );
    signInWithLink(linkToken)
      .catch((error: unknown) =>
        setLinkError(
          error instanceof Problem && error.status === 401
            ? 'This sign-in link has expired or was already used. Ask for a new one, or sign in with your password.'
            : messageOf(error),
        ),
      )
      .finally(() => setLinkPending(false));
  }, [linkToken, navigate, location, signInWithLink]);

  if (state.status === 'signed-in') {
    if (!state.user.hasPassword && !skippedPassword)
      return <ChoosePassword onSkip={() => setSkippedPassword(true)} />;
    return <Navigate to={from ?? '/'} replace />;
  }

  return (
    <main id="main" className="narrow" tabIndex={-1}>
      <p className="product-name">{product}</p>
      <PageTitle>Sign in</PageTitle>
      {state.status === 'loading' || linkToken || linkPending ? (
        <p className="loading">Signing you in…</p>
      ) : (
        <>
          {state.notice && <StatusMessage>{state.notice}</StatusMessage>}
          <ErrorMessage>{linkError}</ErrorMessage>
          <PasswordSignIn />
        </>
      )}
    </main>
  );
}

function PasswordSignIn() {
  const { signIn } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get('email')), String(form.get('password')));
    } catch (failure) {
      setError(signInFailure(failure));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="stack">
      <Field label="Email" name="email" type="email" autoComplete="username" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function signInFailure(failure: unknown): string {
  if (failure instanceof Problem && failure.status === 429) {
    const minutes = failure.retryAfter ? Math.ceil(failure.retryAfter / 60) : null;
    return minutes
      ? `Too many failed sign-ins: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
      : 'Too many failed sign-ins: try again later.';
  }
  if (failure instanceof Problem && failure.status === 401) return 'The email or password is not right.';
  return messageOf(failure);
}

function ChoosePassword({ onSkip }: { onSkip: () => void }) {
  const { choosePassword } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password'));
    if (password !== String(form.get('repeat'))) return setError('The two passwords are not the same.');
    setBusy(true);
    setError(null);
    try {
      await choosePassword(password);
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <main id="main" className="narrow" tabIndex={-1}>
      <PageTitle>Choose a password</PageTitle>
      <p>You signed in with a one-time link. Choose a password to sign in with next time.</p>
      <form onSubmit={submit} className="stack">
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD}
          hint={`At least ${MIN_PASSWORD} characters.`}
          required
        />
        <Field
          label="New password again"
          name="repeat"
          type="password"
          autoComplete="new-password"
          required
        />
        <ErrorMessage>{error}</ErrorMessage>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save password
          </button>
          <button type="button" onClick={onSkip}>
            Not now
          </button>
        </div>
      </form>
    </main>
  );
}
