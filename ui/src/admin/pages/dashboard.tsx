import { Link } from 'react-router';
import { api } from '../../api.ts';
import { PageTitle } from '../../layout.tsx';
import { ShowLoaded } from '../../show-loaded.tsx';
import { useLoad } from '../../use-load.ts';

const COUNT_UP_TO = 200;

/** What needs a person now: held orders and dead letters, counted. */
export function DashboardPage() {
  const [counts] = useLoad(async (signal) => {
    const [review, dead] = await Promise.all([
      api<{ orders: unknown[]; next: string | null }>(`/api/v1/review?limit=${COUNT_UP_TO}`, { signal }),
      api<{ deadLetters: unknown[]; next: string | null }>(`/api/v1/dead-letters?limit=${COUNT_UP_TO}`, {
        signal,
      }),
    ]);
    const count = (items: unknown[], next: string | null) => `${items.length}${next ? '+' : ''}`;
    return { review: count(review.orders, review.next), dead: count(dead.deadLetters, dead.next) };
  }, []);
  return (
    <>
      <PageTitle>Dashboard</PageTitle>
      <ShowLoaded loaded={counts}>
        {(c) => (
          <div className="cards">
            <section className="card" aria-labelledby="review-count">
              <h2 id="review-count">Held for review</h2>
              <span className="count">{c.review}</span>
              <Link to="/review">Open the review queue</Link>
            </section>
            <section className="card" aria-labelledby="dead-count">
              <h2 id="dead-count">Dead letters</h2>
              <span className="count">{c.dead}</span>
              <Link to="/dead-letters">Open the dead letters</Link>
            </section>
          </div>
        )}
      </ShowLoaded>
    </>
  );
}
