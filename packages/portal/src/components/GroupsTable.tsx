// Resource groups as links to their pages, with their subscription and region: the Resource groups page and a
// subscription's overview show the same table.
import type { ResourceGroup } from '../api.ts';
import { scopeHref, scopesAbove } from '../route.ts';

export function GroupsTable({ groups }: { groups: ResourceGroup[] }) {
  if (groups.length === 0) return <p>No resource groups you can see.</p>;
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label="Resource groups table">
      <table>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Subscription</th><th scope="col">Location</th></tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.id}>
              <td><a href={scopeHref(g.id)}>{g.name}</a></td>
              <td><code>{scopesAbove(g.id).subscription.split('/')[2]}</code></td>
              <td>{g.location}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
