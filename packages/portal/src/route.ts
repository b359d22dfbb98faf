// The portal's pages by location hash: `#/` the resources, `#/resource/<ARM id, encoded>[/<page>]` a resource's pages,
// `#/subscription/<ARM id>[/access]` and `#/group/<ARM id>[/access]` a subscription's and a resource group's.
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
  { slug: 'subscriptions', label: 'Subscriptions' },
  { slug: 'groups', label: 'Resource groups' },
  { slug: 'playground', label: 'Playground' },
  { slug: 'monitor', label: 'Monitor' },
  { slug: 'logs', label: 'Logs' },
] as const;

type PortalPage = (typeof PORTAL_PAGES)[number]['slug'];

/** A subscription's and a resource group's pages, as Azure's portal has them: the overview and Access control (IAM). */
export const SCOPE_PAGES = [
  { slug: 'overview', label: 'Overview' },
  { slug: 'access', label: 'Access control' },
] as const;

export type ScopePage = (typeof SCOPE_PAGES)[number]['slug'];
export type ScopeLevel = 'subscription' | 'group';

export type Route =
  | { page: 'resources' }
  | { page: ResourcePage; id: string }
  | { page: PortalPage; id?: string }
  | { page: ScopeLevel; scope: string; tab: ScopePage }
  | { page: 'unknown'; hash: string };

export function parseRoute(hash: string): Route {
  if (hash === '' || hash === '#' || hash === '#/') return { page: 'resources' };
  // #/subscription/<ARM id>, #/group/<ARM id>, each with /access for its Access control.
  const scope = /^#\/(subscription|group)\/([^/]+)(?:\/(access))?$/.exec(hash);
  if (scope) return { page: scope[1] as ScopeLevel, scope: decodeURIComponent(scope[2]!), tab: scope[3] === 'access' ? 'access' : 'overview' };
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

/** `#/subscription/…` for `/subscriptions/{id}`, `#/group/…` for a resource group's ARM ID. */
export const scopeHref = (scope: string, tab: ScopePage = 'overview') =>
  `#/${/\/resourceGroups\//i.test(scope) ? 'group' : 'subscription'}/${encodeURIComponent(scope)}${tab === 'access' ? '/access' : ''}`;

/** The subscription and resource group above an ARM ID, as ARM IDs (the group's absent for a subscription). */
export function scopesAbove(id: string): { subscription: string; group: string | undefined } {
  const match = /^(\/subscriptions\/[^/]+)(\/resourceGroups\/[^/]+)?/i.exec(id);
  return { subscription: match?.[1] ?? '', group: match?.[2] ? `${match[1]}${match[2]}` : undefined };
}
