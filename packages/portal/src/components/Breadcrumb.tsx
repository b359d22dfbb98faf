// Where a scoped page sits, as Azure's portal shows it above each blade: the subscription, the resource group, the
// resource; each level above the page is a link to it, so a resource leads to its group and its subscription.
import { nameOf } from '../api.ts';
import { resourceHref, scopeHref, scopesAbove } from '../route.ts';

export function Breadcrumb({ id }: { id: string }) {
  const { subscription, group } = scopesAbove(id);
  const levels: Array<{ kind: string; name: string; href: string }> = [{ kind: 'Subscription', name: subscription.split('/')[2] ?? '', href: scopeHref(subscription) }];
  if (group) levels.push({ kind: 'Resource group', name: nameOf(group), href: scopeHref(group) });
  if (group && id.length > group.length) levels.push({ kind: 'Resource', name: nameOf(id), href: resourceHref(id) });
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        <li><a href="#/subscriptions">Subscriptions</a></li>
        {levels.map((l, i) => (
          <li key={l.href}>
            {i === levels.length - 1 ? (
              <span aria-current="location"><span class="kind">{l.kind}</span> {l.name}</span>
            ) : (
              <a href={l.href}><span class="kind">{l.kind}</span> {l.name}</a>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
