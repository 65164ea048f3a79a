import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { Layout, PageTitle, RequireSession, type NavItem } from '../layout.tsx';
import { SessionProvider, useSession } from '../session.tsx';
import { SignInPage } from '../sign-in.tsx';
import { ChannelsPage } from './pages/channels.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { DeadLettersPage } from './pages/dead-letters.tsx';
import { KeysPage } from './pages/keys.tsx';
import { OrderPage } from './pages/order.tsx';
import { OrdersPage } from './pages/orders.tsx';
import { ReviewPage } from './pages/review.tsx';
import { StockPage } from './pages/stock.tsx';
import { SupplierFilesPage } from './pages/supplier-files.tsx';
import { SuppliersPage } from './pages/suppliers.tsx';
import { UsersPage } from './pages/users.tsx';

const NAV: readonly NavItem[] = [
  { to: '/', label: 'Dashboard' },
  { to: '/orders', label: 'Orders' },
  { to: '/review', label: 'Review' },
  { to: '/dead-letters', label: 'Dead letters' },
  { to: '/channels', label: 'Channels' },
  { to: '/suppliers', label: 'Suppliers' },
  { to: '/stock', label: 'Stock' },
  { to: '/users', label: 'Users', roles: ['admin'] },
  { to: '/keys', label: 'API keys', roles: ['admin'] },
];

/**
 * The operator's UI. Its page paths are the ones the hub serves this app for (src/http): a new one is added there too.
 */
export function AdminApp() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route
            element={
              <RequireSession roles={['admin', 'operator', 'read-only']} wrongRole={<SupplierHere />}>
                <Layout nav={NAV} />
              </RequireSession>
            }
          >
            <Route index element={<DashboardPage />} />
            <Route path="orders" element={<OrdersPage />} />
            <Route path="orders/:orderId" element={<OrderPage />} />
            <Route path="review" element={<ReviewPage />} />
            <Route path="dead-letters" element={<DeadLettersPage />} />
            <Route path="channels" element={<ChannelsPage />} />
            <Route path="suppliers" element={<SuppliersPage />} />
            <Route path="suppliers/:supplierId/files" element={<SupplierFilesPage />} />
            <Route path="stock" element={<StockPage />} />
            <Route path="users" element={<UsersPage />} />
            <Route path="keys" element={<KeysPage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </SessionProvider>
    </BrowserRouter>
  );
}

/** A supplier's user who opened the operators' address: their work is in the portal. */
function SupplierHere() {
  const { signOut } = useSession();
  return (
    <main id="main" className="narrow" tabIndex={-1}>
      <PageTitle>Supplier portal</PageTitle>
      <p>
        You are signed in as a supplier&apos;s user. Your purchase orders are in the{' '}
        <a href="/portal">supplier portal</a>.
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
        There is no page at this address. <Link to="/">Go to the dashboard</Link>.
      </p>
    </>
  );
}
