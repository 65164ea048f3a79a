import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { messageOf } from './api.ts';
import { ErrorMessage } from './forms.tsx';
import { useSession } from './session.tsx';
import type { Role } from './types.ts';

/** The name of the UI a page belongs to ("Waybill", "Waybill supplier portal"), for headers and window titles. */
export const ProductName = createContext('Waybill');

export interface NavItem {
  to: string;
  label: string;
  /** Shown to these roles only; to everyone when absent. */
  roles?: readonly Role[];
}

/** The frame of every signed-in page: a skip link, the product's name, the nav, who is signed in, and sign-out. */
export function Layout({ nav }: { nav: readonly NavItem[] }) {
  const product = useContext(ProductName);
  const { state, signOut } = useSession();
  const [error, setError] = useState<string | null>(null);
  const user = state.status === 'signed-in' ? state.user : null;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="product">
          {product}
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav
              .filter((item) => !item.roles || (user && item.roles.includes(user.role)))
              .map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.to === '/'}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
        {user && (
          <div className="who">
            <span>
              {user.email} <span className="role">({user.role})</span>
            </span>
            <button type="button" onClick={() => signOut().catch((e: unknown) => setError(messageOf(e)))}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorMessage>{error}</ErrorMessage>
        <Outlet />
      </main>
    </>
  );
}

/**
 * Pages behind a session: while the hub is asked who is signed in, a line says so; signed out (or the session lost
 * on a 401) goes to the sign-in page, which comes back here after; a user of the wrong kind is told where to go.
 */
export function RequireSession({
  roles,
  wrongRole,
  children,
}: {
  roles: readonly Role[];
  wrongRole: ReactNode;
  children: ReactNode;
}) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <p className="loading">Loading…</p>;
  if (state.status === 'signed-out') return <Navigate to="/sign-in" replace state={{ from: location }} />;
  if (!roles.includes(state.user.role)) return <>{wrongRole}</>;
  return <>{children}</>;
}

/** A page's heading, which is also the window's title; focus moves to it when the page opens, for screen readers. */
export function PageTitle({ children }: { children: string }) {
  const product = useContext(ProductName);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · ${product}`;
    heading.current?.focus({ preventScroll: true });
  }, [children, product]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
