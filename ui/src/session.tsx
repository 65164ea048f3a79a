import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { api, messageOf, onSignedOut, Problem, rememberCsrfToken } from './api.ts';
import type { Session, SessionUser } from './types.ts';

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; notice: string | null }
  | { status: 'signed-in'; user: SessionUser };

export interface SessionApi {
  state: SessionState;
  signIn(email: string, password: string): Promise<SessionUser>;
  /** Signs in with the token of a one-time sign-in link. */
  signInWithLink(token: string): Promise<SessionUser>;
  choosePassword(password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

/** Who is signed in, for the admin UI and the portal alike: asked of the hub once, then kept as sign-ins change it. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  // A sign-in (by a link, as the page opens) may answer before the first "who is signed in?": the later answer wins.
  const signedInSince = useRef(false);

  const accept = useCallback((session: Session) => {
    signedInSince.current = true;
    rememberCsrfToken(session.csrfToken);
    setState({ status: 'signed-in', user: session.user });
    return session.user;
  }, []);

  useEffect(() => {
    onSignedOut(() => {
      rememberCsrfToken(null);
      setState({ status: 'signed-out', notice: 'Your session has ended: please sign in again.' });
    });
    api<Session>('/api/v1/session', { expectUnauthorized: true })
      .then((session) => {
        if (!signedInSince.current) accept(session);
      })
      .catch((error: unknown) => {
        if (signedInSince.current) return;
        const notice = error instanceof Problem && error.status === 401 ? null : messageOf(error);
        setState({ status: 'signed-out', notice });
      });
  }, [accept]);

  const value = useMemo<SessionApi>(
    () => ({
      state,
      signIn: async (email, password) =>
        accept(
          await api<Session>('/api/v1/session', {
            method: 'POST',
            body: { email, password },
            expectUnauthorized: true,
          }),
        ),
      signInWithLink: async (token) =>
        accept(
          await api<Session>('/api/v1/session/link', {
            method: 'POST',
            body: { token },
            expectUnauthorized: true,
          }),
        ),
      choosePassword: async (password) => {
        await api('/api/v1/session/password', { method: 'PUT', body: { password } });
        setState((s) => (s.status === 'signed-in' ? { ...s, user: { ...s.user, hasPassword: true } } : s));
      },
      signOut: async () => {
        try {
          await api('/api/v1/session', { method: 'DELETE', expectUnauthorized: true });
        } finally {
          rememberCsrfToken(null);
          setState({ status: 'signed-out', notice: 'You have signed out.' });
        }
      },
    }),
    [state, accept],
  );

  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a SessionProvider');
  return session;
}

/** The signed-in user; only for pages behind RequireSession. */
export function useUser(): SessionUser {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser without a signed-in user');
  return state.user;
}
