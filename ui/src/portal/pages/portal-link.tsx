import { useContext, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, messageOf, Problem } from '../../api.ts';
import { ErrorMessage } from '../../forms.tsx';
import { PageTitle, ProductName } from '../../layout.tsx';

/**
 * Where a purchase order email's link lands (`/portal/link#token=…`): the token is read from the fragment (which no
 * server or proxy ever sees), wiped from the address, and posted once; the hub sets the session cookie and names the
 * PO's page, which then opens as any page of the portal does. A link the hub refuses is said so, with the way out.
 */
export function PortalLinkPage() {
  const product = useContext(ProductName);
  const [error, setError] = useState<string | null>(null);
  const tried = useRef(false);

  useEffect(() => {
    if (tried.current) return;
    tried.current = true;
    const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
    window.history.replaceState(null, '', window.location.pathname);
    if (!token) {
      setError('This link is incomplete: open it again from the purchase order email.');
      return;
    }
    api<{ location: string }>('/api/v1/session/portal-link', {
      method: 'POST',
      body: { token },
      expectUnauthorized: true,
    })
      // A full load: the portal starts over signed in, as after any sign-in.
      .then((opened) => window.location.replace(opened.location))
      .catch((failure: unknown) =>
        setError(
          failure instanceof Problem && failure.status === 401
            ? 'This link has expired or is not valid. Ask the retailer to send the purchase order again, or sign in with your email and password.'
            : messageOf(failure),
        ),
      );
  }, []);

  return (
    <main id="main" className="narrow" tabIndex={-1}>
      <p className="product-name">{product}</p>
      {error ? (
        <>
          <PageTitle>This link does not open</PageTitle>
          <ErrorMessage>{error}</ErrorMessage>
          <p>
            <Link to="/sign-in">Sign in</Link>
          </p>
        </>
      ) : (
        <>
          <PageTitle>Opening your purchase order</PageTitle>
          <p className="loading">Signing you in…</p>
        </>
      )}
    </main>
  );
}
