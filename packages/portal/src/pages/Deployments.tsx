// A resource's deployments: each with its model, SKU, capacity and the rate limits it enforces; create one from the
// model catalog (CreateDeployment) and delete one after a confirmation, where the user's roles allow it.
import { useState } from 'preact/hooks';
import { usePermissions } from '../access.ts';
import { type Deployment, deleteDeployment, getAccount, listDeployments, nameOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { Confirm } from '../components/Confirm.tsx';
import { messageOf, useLoad } from '../hooks.ts';
import { formatCount, limitOf } from '../models.ts';
import { CreateDeployment } from './CreateDeployment.tsx';

const WRITE = 'Microsoft.CognitiveServices/accounts/deployments/write';
const DELETE = 'Microsoft.CognitiveServices/accounts/deployments/delete';

export function Deployments({ id }: { id: string }) {
  const deployments = useLoad(() => listDeployments(id), [id]);
  const account = useLoad(() => getAccount(id), [id]);
  const can = usePermissions(id);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const remove = async (d: Deployment) => {
    setError(undefined);
    try {
      await deleteDeployment(id, d.name);
      setNotice(`Deleted deployment ${d.name}.`);
      deployments.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setDeleting(undefined);
    }
  };
  const created = (d: Deployment) => {
    setCreating(false);
    setNotice(`Deployed ${d.properties.model.name} as ${d.name}.`);
    deployments.reload();
  };
  const cell = (n: number | undefined) => (n === undefined ? '—' : formatCount(n));
  return (
    <section>
      <h1>Deployments <span class="sub">{nameOf(id)}</span></h1>
      <Alert message={deployments.error ?? error} />
      {notice && <p role="status" class="note">{notice}</p>}
      {can(WRITE) && !creating && <button type="button" class="primary" onClick={() => (setCreating(true), setNotice(undefined))}>Deploy a model</button>}
      {creating && account.value && <CreateDeployment account={account.value} onCreated={created} onCancel={() => setCreating(false)} />}
      {!deployments.value && !deployments.error && <p>Loading deployments…</p>}
      {deployments.value?.length === 0 && <p>No deployments yet.</p>}
      {deployments.value && deployments.value.length > 0 && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Deployments table">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th><th scope="col">Model</th><th scope="col">Version</th><th scope="col">SKU</th><th scope="col">Capacity</th>
                <th scope="col">RPM</th><th scope="col">Input TPM</th><th scope="col">Output TPM</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {deployments.value.map((d) => (
                <tr key={d.name}>
                  <td>{d.name}</td><td>{d.properties.model.name}</td><td>{d.properties.model.version}</td><td>{d.sku.name}</td><td>{formatCount(d.sku.capacity)}</td>
                  <td>{cell(limitOf(d.properties.rateLimits, 'request'))}</td>
                  <td>{cell(limitOf(d.properties.rateLimits, 'token'))}</td>
                  <td>{cell(limitOf(d.properties.rateLimits, 'outputToken'))}</td>
                  <td>{d.properties.provisioningState}</td>
                  <td>
                    {can(DELETE) &&
                      (deleting === d.name ? (
                        <Confirm question={`Delete ${d.name}? Its callers get 404 at once.`} yes={`Yes, delete ${d.name}`} onYes={() => void remove(d)} onNo={() => setDeleting(undefined)} />
                      ) : (
                        <button type="button" aria-label={`Delete ${d.name}`} onClick={() => setDeleting(d.name)}>Delete</button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
