// A page whose code loads when it is first shown: the Monitor's charting library (uPlot, about half the portal's
// script) is fetched only by a user who opens it.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState(() => loaded);
    const [error, setError] = useState<string>();
    useEffect(() => {
      if (!Page) load().then((c) => setPage(() => (loaded = c)), (err: Error) => setError(`The page could not be loaded: ${err.message}. Reload to try again.`));
    }, []);
    if (error) return <p role="alert" class="error">{error}</p>;
    return Page ? <Page {...props} /> : <p>Loading…</p>;
  };
}
