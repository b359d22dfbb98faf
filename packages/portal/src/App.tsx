// The portal's shell: sign-in, a header, and the page the location hash names (#/ or #/resource/<ARM id>).
import { useEffect, useState } from 'preact/hooks';
import { completeSignIn, loadConfig, type PortalConfig, signIn, signOut, token, user } from './auth.ts';
import { KeysAndEndpoint } from './pages/KeysAndEndpoint.tsx';
import { Logs } from './pages/Logs.tsx';
import { Playground } from './pages/Playground.tsx';
import { Resources } from './pages/Resources.tsx';
import { lazyPage } from './lazy.tsx';

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

  const resource = /^#\/resource\/(.+)$/.exec(hash)?.[1];
  const observe = /^#\/(playground|monitor|logs)(?:\/(.+))?$/.exec(hash);
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">claude-foundry</a>
        {token() && (
          <nav aria-label="Pages" class="nav">
            <a href="#/">Resources</a> <a href="#/playground">Playground</a> <a href="#/monitor">Monitor</a> <a href="#/logs">Logs</a>
          </nav>
        )}
        {token() && (
          <span class="who">
            {user()}{' '}
            <button type="button" class="link" onClick={() => (signOut(), location.assign('/portal/'))}>
              Sign out
            </button>
          </span>
        )}
      </header>
      <main id="main">
        {error && <p role="alert" class="error">{error}</p>}
        {!ready ? (
          <p>Loading…</p>
        ) : !token() ? (
          <section class="signin">
            <h1>Claude on Microsoft Foundry, self-hosted</h1>
            <p>Sign in with a user of the development tenant to manage resources, keys and deployments.</p>
            <button type="button" class="primary" disabled={!config} onClick={() => config && void signIn(config)}>
              Sign in
            </button>
          </section>
        ) : observe?.[1] === 'playground' ? (
          <Playground {...(observe[2] ? { initial: decodeURIComponent(observe[2]) } : {})} />
        ) : observe?.[1] === 'monitor' ? (
          <Monitor />
        ) : observe?.[1] === 'logs' ? (
          <Logs />
        ) : resource ? (
          <KeysAndEndpoint id={decodeURIComponent(resource)} />
        ) : (
          <Resources />
        )}
      </main>
    </>
  );
}
