// `npx claude-foundry principal create|list|delete`: service principals of the development tenant, through the
// gateway's Graph-like /v1.0/servicePrincipals endpoint.
import { CliError, EXIT_FAILURE, GatewayClient } from '../gateway-client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';
import { CONNECTION_OPTIONS } from '../monitoring/client.ts';

const HELP = `Usage: npx claude-foundry principal <create|list|delete> [options]

  create --name <display name> [--group <group object ID>]...   a new service principal and its secret
  list                                                           every service principal
  delete <display name | client ID | object ID>                  remove a principal (its role assignments stay, as in Azure)

Options:
  --json             machine-readable output
  --url <url>        the gateway (default: the running one recorded in the data folder)
  --data-dir <dir>   the gateway's data folder (default $CLAUDE_FOUNDRY_DATA_DIR, else ./.data)
  -h, --help         this text`;

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appOwnerOrganizationId: string;
  tags: string[];
  groups: string[];
}

export async function listPrincipals(client: GatewayClient): Promise<ServicePrincipal[]> {
  return ((await client.manage('GET', '/v1.0/servicePrincipals')).json as { value: ServicePrincipal[] }).value;
}

/** A principal by object ID, client ID or (unique) display name. */
export function findPrincipal(principals: readonly ServicePrincipal[], ref: string): ServicePrincipal | undefined {
  const lower = ref.toLowerCase();
  const byId = principals.find((p) => p.id.toLowerCase() === lower || p.appId.toLowerCase() === lower);
  if (byId) return byId;
  const byName = principals.filter((p) => p.displayName.toLowerCase() === lower);
  if (byName.length > 1) throw new CliError(`more than one service principal is named '${ref}'; use its client ID or object ID.`, EXIT_FAILURE);
  return byName[0];
}

const source = (p: ServicePrincipal) => (p.tags.includes('claude-foundry:admin') ? 'admin' : p.tags.includes('claude-foundry:config') ? 'config' : 'api');

export async function principal(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCommandArgs(`principal ${sub ?? ''}`.trim(), rest, {
    name: { type: 'string' },
    group: { type: 'string', multiple: true },
    ...CONNECTION_OPTIONS,
  }, true);
  if (values.help || sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  const connect = () => new GatewayClient({ url: values.url, dataDir: values['data-dir'] });
  switch (sub) {
    case 'create': {
      if (!values.name) throw new UsageError("principal create: --name is required, e.g. --name ci-pipeline.");
      if (positionals.length > 0) throw new UsageError(`principal create: unexpected argument '${positionals[0]}'.`);
      const client = connect();
      const res = await client.manage('POST', '/v1.0/servicePrincipals', { displayName: values.name, groups: values.group ?? [] });
      const created = res.json as ServicePrincipal & { passwordCredentials: Array<{ secretText: string }> };
      const secret = created.passwordCredentials[0]!.secretText;
      if (values.json) {
        printJson({ tenantId: created.appOwnerOrganizationId, clientId: created.appId, objectId: created.id, displayName: created.displayName, clientSecret: secret, groups: created.groups });
      } else {
        process.stdout.write(
          `Created service principal '${created.displayName}'.\n\n` +
            table(['FIELD', 'VALUE'], [['Tenant ID', created.appOwnerOrganizationId], ['Client ID', created.appId], ['Object ID', created.id], ['Client secret', secret]]) +
            `\nThe secret is shown once: keep it now. To let the principal call Claude:\n` +
            `  npx claude-foundry role assign --principal ${created.appId} --role "Cognitive Services User"\n`,
        );
      }
      return 0;
    }
    case 'list': {
      if (positionals.length > 0) throw new UsageError(`principal list: unexpected argument '${positionals[0]}'.`);
      const principals = await listPrincipals(connect());
      if (values.json) printJson(principals);
      else process.stdout.write(table(['DISPLAY NAME', 'CLIENT ID', 'OBJECT ID', 'SOURCE', 'GROUPS'], principals.map((p) => [p.displayName, p.appId, p.id, source(p), p.groups.join(',')])));
      return 0;
    }
    case 'delete': {
      const [ref, extra] = positionals;
      if (!ref || extra !== undefined) throw new UsageError('principal delete: name exactly one principal (display name, client ID or object ID).');
      const client = connect();
      const found = findPrincipal(await listPrincipals(client), ref);
      if (!found) throw new CliError(`no service principal '${ref}'. Run 'npx claude-foundry principal list'.`, EXIT_FAILURE);
      await client.manage('DELETE', `/v1.0/servicePrincipals/${found.id}`);
      if (values.json) printJson({ deleted: found.id });
      else process.stdout.write(`Deleted service principal '${found.displayName}' (${found.appId}).\n`);
      return 0;
    }
    default:
      throw new UsageError(`principal: unknown subcommand '${sub}'; use create, list or delete.`);
  }
}
