// The portal's shell: sign-in, then the frame (Layout) around the page the location hash names (route.ts).
import { useEffect, useState } from 'preact/hooks';
import { completeSignIn, loadConfig, type PortalConfig, signIn, token } from './auth.ts';
import { Layout } from './Layout.tsx';
import { AccessControl } from './pages/AccessControl.tsx';
import { Budgets } from './pages/Budgets.tsx';
import { Deployments } from './pages/Deployments.tsx';
import { KeysAndEndpoint } from './pages/KeysAndEndpoint.tsx';
import { Logs } from './pages/Logs.tsx';
import { Networking } from './pages/Networking.tsx';
import { Playground } from './pages/Playground.tsx';
import { Resources } from './pages/Resources.tsx';
import { GroupOverview, SubscriptionOverview } from './pages/ScopeOverview.tsx';
import { ResourceGroups, Subscriptions } from './pages/Subscriptions.tsx';
import { lazyPage } from './lazy.tsx';
import { parseRoute, type Route } from './route.ts';

const Monitor = lazyPage(() => import('./pages/Monitor.tsx').then((m) => m.Monitor));

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'resources':
      return <Resources />;
    case 'overview':
      return <KeysAndEndpoint id={route.id} />;
    case 'deployments':
      return <Deployments id={route.id} />;
    case 'access':
      return <AccessControl key={route.id} scope={route.id} />;
    case 'budgets':
      return <Budgets id={route.id} />;
    case 'networking':
      return <Networking id={route.id} />;
    case 'playground':
      return <Playground {...(route.id ? { initial: route.id } : {})} />;
    case 'subscriptions':
      return <Subscriptions />;
    case 'groups':
      return <ResourceGroups />;
    case 'subscription':
      return route.tab === 'access' ? <AccessControl key={route.scope} scope={route.scope} /> : <SubscriptionOverview scope={route.scope} />;
    case 'group':
      return route.tab === 'access' ? <AccessControl key={route.scope} scope={route.scope} /> : <GroupOverview scope={route.scope} />;
    case 'monitor':
      return <Monitor />;
    case 'logs':
      return <Logs />;
    case 'unknown':
      return (
        <section>
          <h1>Page not found</h1>
          <p>The portal has no page '{route.hash.slice(0, 100)}'. <a href="#/">Go to the resources</a>.</p>
        </section>
      );
  }
}

export function App() {
  const [config, setConfig] = useState<PortalConfig>();
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string>();
  const hash = useHash();
  useEffect(() => {
    loadConfig()
      .then(async (c) => {
        setConfig(c);
        await completeSignIn(c);
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => setReady(true));
  }, []);

  if (ready && token()) {
    const route = parseRoute(hash);
    return (
      <Layout route={route}>
        {error && <p role="alert" class="error">{error}</p>}
        <Page route={route} />
      </Layout>
    );
  }
  return (
    <>
      <header class="top">
        <span class="brand">claude-foundry</span>
      </header>
      <main id="main" class="welcome">
        {error && <p role="alert" class="error">{error}</p>}
        {!ready ? (
          <p>Loading…</p>
        ) : (
          <section class="signin">
            <h1>Claude on Microsoft Foundry, self-hosted</h1>
            <p>Sign in with a user of the development tenant to manage resources, keys and deployments.</p>
            <button type="button" class="primary" disabled={!config} onClick={() => config && void signIn(config)}>
              Sign in
            </button>
          </section>
        )}
      </main>
    </>
  );
}
