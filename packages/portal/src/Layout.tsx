// The frame every page shares: a header, a left navigation (Resources, Subscriptions, Resource groups…, then the open
// resource's, resource group's or subscription's pages), a breadcrumb on scoped pages, and the page. Below 48rem the
// navigation folds behind a Menu button; a skip link leads keyboard users past it.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { nameOf } from './api.ts';
import { signOut, user } from './auth.ts';
import { Breadcrumb } from './components/Breadcrumb.tsx';
import { PORTAL_PAGES, RESOURCE_PAGES, resourceHref, SCOPE_PAGES, scopeHref, type Route } from './route.ts';

export function Layout({ route, children }: { route: Route; children: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  const resource = 'id' in route ? route.id : undefined;
  const scope = 'scope' in route ? route : undefined;
  const scoped = scope?.scope ?? (route.page === 'playground' ? undefined : resource);
  useEffect(() => setOpen(false), [route.page, resource, scope?.scope, scope?.tab]); // a narrow screen shows the page once one is chosen
  const current = (active: boolean) => (active ? { 'aria-current': 'page' as const } : {});
  return (
    <div class="shell">
      {/* A button, not a #main link: the hash names the page. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>Skip to content</button>
      <header class="top">
        <button type="button" class="menu" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <a href="#/" class="brand">claude-foundry</a>
        <span class="who">
          {user()}{' '}
          <button type="button" class="link" onClick={() => (signOut(), location.assign('/portal/'))}>
            Sign out
          </button>
        </span>
      </header>
      <nav id="nav" aria-label="Portal" class={open ? 'side open' : 'side'}>
        <ul>
          <li><a href="#/" {...current(route.page === 'resources')}>Resources</a></li>
          {PORTAL_PAGES.map((p) => (
            <li key={p.slug}><a href={`#/${p.slug}`} {...current(route.page === p.slug)}>{p.label}</a></li>
          ))}
        </ul>
        {resource && (
          <>
            <h2 class="nav-title" title={resource}>{nameOf(resource)}</h2>
            <ul>
              {RESOURCE_PAGES.map((p) => (
                <li key={p.slug}>
                  <a href={resourceHref(resource, p.slug)} {...current(route.page === p.slug)}>
                    {p.slug === 'overview' ? 'Overview (Keys and Endpoint)' : p.label}
                  </a>
                </li>
              ))}
            </ul>
          </>
        )}
        {scope && (
          <>
            <h2 class="nav-title" title={scope.scope}>{scope.page === 'group' ? nameOf(scope.scope) : 'Subscription'}</h2>
            <ul>
              {SCOPE_PAGES.map((p) => (
                <li key={p.slug}>
                  <a href={scopeHref(scope.scope, p.slug)} {...current(scope.tab === p.slug)}>{p.label}</a>
                </li>
              ))}
            </ul>
          </>
        )}
      </nav>
      <main id="main" tabIndex={-1}>
        {scoped && <Breadcrumb id={scoped} />}
        {children}
      </main>
    </div>
  );
}
