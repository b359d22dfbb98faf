// Resources: every Microsoft.CognitiveServices account the signed-in user may read, in every subscription it holds a role in.
import { useEffect, useState } from 'preact/hooks';
import { type Account, listAccounts, resourceGroupOf } from '../api.ts';

export function Resources() {
  const [accounts, setAccounts] = useState<Account[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    listAccounts().then(setAccounts, (err: Error) => setError(err.message));
  }, []);
  return (
    <section>
      <h1>Resources</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {!accounts && !error && <p>Loading resources…</p>}
      {accounts && accounts.length === 0 && <p>No resources you can see. Ask an Owner for a role on a resource or its group.</p>}
      {accounts && accounts.length > 0 && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Resources table">
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Resource group</th><th scope="col">Location</th><th scope="col">Endpoint</th></tr>
            </thead>
            <tbody>
              {accounts.map((a) => (
                <tr key={a.id}>
                  <td><a href={`#/resource/${encodeURIComponent(a.id)}`}>{a.name}</a></td>
                  <td>{resourceGroupOf(a.id)}</td>
                  <td>{a.location}</td>
                  <td><code>{a.properties.endpoint}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
