// `npx claude-foundry role assign|list|remove`: Azure RBAC role assignments, through the gateway's ARM endpoints
// `{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}?api-version=2022-04-01`.
import { randomUUID } from 'node:crypto';
import { DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION_ID } from '@claude-foundry/gateway';
import { ARM_API_VERSION, CliError, EXIT_FAILURE, GatewayClient } from '../gateway-client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';
import { findPrincipal, listPrincipals } from './principal.ts';
import { CONNECTION_OPTIONS } from '../monitoring/client.ts';

const HELP = `Usage: npx claude-foundry role <assign|list|remove> [options]

  assign --role <name | GUID> <who> [<where>]   give a principal or group a role
  list [--principal <ref>] [--scope <scope>]    role assignments (all you may read, by default)
  remove <assignment GUID | assignment ID>      remove a role assignment

<who>:   --principal <display name | client ID | object ID>   a service principal of the development tenant
         --group <object ID>                                  a group (its members' tokens carry it in 'groups')
         --object-id <GUID> --type <User|Group|ServicePrincipal>   any principal, e.g. of a real tenant
<where>: --scope <ARM scope>, or --resource <name> [--resource-group <rg>] [--subscription <GUID>];
         default: the whole default subscription (/subscriptions/${DEFAULT_SUBSCRIPTION_ID})

Roles that allow calling Claude: Cognitive Services User, Azure AI User, Azure AI Project Manager.
Owner, Contributor, Reader and the OpenAI roles do not (docs/identity.md).

Options:
  --json             machine-readable output
  --url <url>        the gateway (default: the running one recorded in the data folder)
  --data-dir <dir>   the gateway's data folder (default $CLAUDE_FOUNDRY_DATA_DIR, else ./.data)
  -h, --help         this text`;

interface RoleDefinition {
  name: string;
  properties: { roleName: string };
}

interface RoleAssignment {
  id: string;
  name: string;
  properties: { roleDefinitionId: string; principalId: string; principalType: string; scope: string };
}

const armPath = (scope: string, name?: string) =>
  `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments${name ? `/${name}` : ''}?api-version=${ARM_API_VERSION}`;

async function roleDefinitions(client: GatewayClient): Promise<RoleDefinition[]> {
  return ((await client.manage('GET', `/providers/Microsoft.Authorization/roleDefinitions?api-version=${ARM_API_VERSION}`)).json as { value: RoleDefinition[] }).value;
}

function scopeOf(values: { scope?: string | undefined; resource?: string | undefined; 'resource-group'?: string | undefined; subscription?: string | undefined }): string {
  if (values.scope && values.resource) throw new UsageError('role: pass --scope or --resource, not both.');
  if (values.scope) return values.scope.startsWith('/') ? values.scope : `/${values.scope}`;
  const subscription = values.subscription ?? DEFAULT_SUBSCRIPTION_ID;
  if (!values.resource) {
    if (values['resource-group']) return `/subscriptions/${subscription}/resourceGroups/${values['resource-group']}`;
    return `/subscriptions/${subscription}`;
  }
  return `/subscriptions/${subscription}/resourceGroups/${values['resource-group'] ?? DEFAULT_RESOURCE_GROUP}/providers/Microsoft.CognitiveServices/accounts/${values.resource}`;
}

export async function role(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCommandArgs(`role ${sub ?? ''}`.trim(), rest, {
    role: { type: 'string' },
    principal: { type: 'string' },
    group: { type: 'string' },
    'object-id': { type: 'string' },
    type: { type: 'string' },
    scope: { type: 'string' },
    resource: { type: 'string' },
    'resource-group': { type: 'string' },
    subscription: { type: 'string' },
    ...CONNECTION_OPTIONS,
  }, true);
  if (values.help || sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  const connect = () => new GatewayClient({ url: values.url, dataDir: values['data-dir'] });
  if (positionals.length > (sub === 'remove' ? 1 : 0)) throw new UsageError(`role ${sub}: unexpected argument '${positionals.at(-1)}'.`);
  switch (sub) {
    case 'assign': {
      if (!values.role) throw new UsageError('role assign: --role is required, e.g. --role "Cognitive Services User".');
      const who = [values.principal, values.group, values['object-id']].filter((v) => v !== undefined);
      if (who.length !== 1) throw new UsageError('role assign: name exactly one of --principal, --group or --object-id.');
      if (values['object-id'] && !values.type) throw new UsageError('role assign: --object-id needs --type User, Group or ServicePrincipal.');
      const scope = scopeOf(values);
      const client = connect();
      const definitions = await roleDefinitions(client);
      const wanted = values.role.toLowerCase();
      const definition = definitions.find((d) => d.name.toLowerCase() === wanted || d.properties.roleName.toLowerCase() === wanted);
      if (!definition) throw new CliError(`no role '${values.role}'. Roles: ${definitions.map((d) => d.properties.roleName).join(', ')}.`, EXIT_FAILURE);
      let principalId: string;
      let principalType: string;
      if (values.principal) {
        const found = findPrincipal(await listPrincipals(client), values.principal);
        if (!found) throw new CliError(`no service principal '${values.principal}'. Run 'npx claude-foundry principal list', or use --object-id with --type for a principal of another tenant.`, EXIT_FAILURE);
        principalId = found.id;
        principalType = 'ServicePrincipal';
      } else {
        principalId = (values.group ?? values['object-id'])!;
        principalType = values.group ? 'Group' : values.type!;
      }
      const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? DEFAULT_SUBSCRIPTION_ID;
      const roleDefinitionId = `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${definition.name}`;
      const res = await client.manage('PUT', armPath(scope, randomUUID()), { properties: { roleDefinitionId, principalId, principalType } });
      const created = res.json as RoleAssignment;
      if (values.json) printJson(created);
      else process.stdout.write(`Assigned '${definition.properties.roleName}' to ${principalId} at ${created.properties.scope} (assignment ${created.name}).\n`);
      return 0;
    }
    case 'list': {
      const client = connect();
      let filter = '';
      if (values.principal) {
        const found = findPrincipal(await listPrincipals(client), values.principal);
        filter = `&$filter=${encodeURIComponent(`assignedTo('${found?.id ?? values.principal}')`)}`;
      }
      const assignments = ((await client.manage('GET', armPath(values.scope ?? '/') + filter)).json as { value: RoleAssignment[] }).value;
      if (values.json) {
        printJson(assignments);
        return 0;
      }
      const names = new Map((await roleDefinitions(client)).map((d) => [d.name, d.properties.roleName]));
      const principals = new Map((await listPrincipals(client)).map((p) => [p.id, p.displayName]));
      process.stdout.write(
        table(
          ['ROLE', 'PRINCIPAL', 'TYPE', 'SCOPE', 'ASSIGNMENT'],
          assignments.map((a) => {
            const p = a.properties;
            return [names.get(p.roleDefinitionId.split('/').pop()!) ?? p.roleDefinitionId, principals.get(p.principalId) ?? p.principalId, p.principalType, p.scope, a.name];
          }),
        ),
      );
      return 0;
    }
    case 'remove': {
      const [ref] = positionals;
      if (!ref) throw new UsageError('role remove: name the assignment (its GUID from `npx claude-foundry role list`, or its full ID).');
      const client = connect();
      const name = ref.split('/').pop()!.toLowerCase();
      const all = ((await client.manage('GET', armPath('/'))).json as { value: RoleAssignment[] }).value;
      const found = all.find((a) => a.name.toLowerCase() === name);
      if (!found) throw new CliError(`no role assignment '${ref}'. Run 'npx claude-foundry role list'.`, EXIT_FAILURE);
      await client.manage('DELETE', armPath(found.properties.scope, found.name));
      if (values.json) printJson({ deleted: found.id });
      else process.stdout.write(`Removed role assignment ${found.name}.\n`);
      return 0;
    }
    default:
      throw new UsageError(`role: unknown subcommand '${sub}'; use assign, list or remove.`);
  }
}
