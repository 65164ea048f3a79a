import { useUser } from '../session.tsx';

/** Whether the signed-in operator may change things: a read-only user sees no action buttons. */
export function useCanAct(): boolean {
  const { role } = useUser();
  return role === 'admin' || role === 'operator';
}
