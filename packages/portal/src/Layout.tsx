// The frame every page shares: a header, a left navigation (Resources, then the open resource's pages) and the page.
// Below 48rem the navigation folds behind a Menu button; a skip link leads keyboard users past it.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { nameOf } from './api.ts';
import { signOut, user } from './auth.ts';
import { PORTAL_PAGES, RESOURCE_PAGES, resourceHref, type Route } from './route.ts';

export function Layout({ route, children }: { route: Route; children: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  const resource = 'id' in route ? route.id : undefined;
  useEffect(() => setOpen(false), [route.page, resource]); // a narrow screen shows the page once one is chosen
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
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
