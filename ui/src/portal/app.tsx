import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { Layout, PageTitle, ProductName, RequireSession, type NavItem } from '../layout.tsx';
import { SessionProvider, useSession } from '../session.tsx';
import { SignInPage } from '../sign-in.tsx';
import { PortalLinkPage } from './pages/portal-link.tsx';
import { PurchaseOrderPage } from './pages/purchase-order.tsx';
import { PurchaseOrdersPage } from './pages/purchase-orders.tsx';

const NAV: readonly NavItem[] = [{ to: '/', label: 'Purchase orders' }];

/**
 * The suppliers' portal, under /portal: a supplier's user answers and ships its own purchase orders. The hub serves
 * this app for /portal and everything under it.
 */
export function PortalApp() {
  return (
    <ProductName value="Waybill supplier portal">
      <BrowserRouter basename="/portal">
        <SessionProvider>
          <Routes>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/link" element={<PortalLinkPage />} />
            <Route
              element={
                <RequireSession roles={['supplier']} wrongRole={<OperatorHere />}>
                  <Layout nav={NAV} />
                </RequireSession>
              }
            >
              <Route index element={<PurchaseOrdersPage />} />
              <Route path="purchase-orders/:poNumber" element={<PurchaseOrderPage />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </SessionProvider>
      </BrowserRouter>
    </ProductName>
  );
}

/** An operator who opened the portal: the portal is for suppliers' users. */
function OperatorHere() {
  const { signOut } = useSession();
  return (
    <main id="main" className="narrow" tabIndex={-1}>
      <PageTitle>Operators work in the admin</PageTitle>
      <p>
        The portal is for suppliers&apos; users. Your work is in <a href="/">the admin</a>.
      </p>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </main>
  );
}

function NotFound() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <p>
        There is no page at this address. <Link to="/">Go to your purchase orders</Link>.
      </p>
    </>
  );
}
