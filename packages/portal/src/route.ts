// The portal's pages by location hash: `#/` the resources, `#/resource/<ARM id, encoded>[/<page>]` a resource's pages.
// Hash routing because the only redirect URI registered for the sign-in is `/portal/`.

/** A resource's pages in the order the navigation lists them. */
export const RESOURCE_PAGES = [
  { slug: 'overview', label: 'Overview' },
  { slug: 'deployments', label: 'Deployments' },
  { slug: 'access', label: 'Access control' },
  { slug: 'budgets', label: 'Budgets' },
  { slug: 'networking', label: 'Networking' },
] as const;

export type ResourcePage = (typeof RESOURCE_PAGES)[number]['slug'];

/** Pages over every resource the user may read (the playground picks one, Monitor and Logs filter). */
export const PORTAL_PAGES = [
  { slug: 'playground', label: 'Playground' },
  { slug: 'monitor', label: 'Monitor' },
  { slug: 'logs', label: 'Logs' },
] as const;

type PortalPage = (typeof PORTAL_PAGES)[number]['slug'];

export type Route =
  | { page: 'resources' }
  | { page: ResourcePage; id: string }
  | { page: PortalPage; id?: string }
  | { page: 'unknown'; hash: string };

export function parseRoute(hash: string): Route {
  if (hash === '' || hash === '#' || hash === '#/') return { page: 'resources' };
  // #/playground, #/monitor, #/logs; #/playground/<ARM id> opens the playground on that resource.
  const portal = /^#\/([a-z]+)(?:\/([^/]+))?$/.exec(hash);
  const portalPage = PORTAL_PAGES.find((p) => p.slug === portal?.[1]);
  if (portal && portalPage && (portal[2] === undefined || portalPage.slug === 'playground')) {
    return portal[2] === undefined ? { page: portalPage.slug } : { page: portalPage.slug, id: decodeURIComponent(portal[2]) };
  }
  const match = /^#\/resource\/([^/]+)(?:\/([a-z-]+))?$/.exec(hash);
  if (!match) return { page: 'unknown', hash };
  const page = RESOURCE_PAGES.find((p) => p.slug === (match[2] ?? 'overview'));
  if (!page) return { page: 'unknown', hash };
  return { page: page.slug, id: decodeURIComponent(match[1]!) };
}

export const resourceHref = (id: string, page: ResourcePage = 'overview') =>
  `#/resource/${encodeURIComponent(id)}${page === 'overview' ? '' : `/${page}`}`;
