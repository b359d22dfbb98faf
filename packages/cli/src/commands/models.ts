// `npx claude-foundry models`: the model catalog as this gateway knows it — lifecycle today (computed from the
// catalog's dates), context window, largest output, and list prices — and the models a config file declares
// outside it. Offline: it needs no running gateway.
import { loadConfig } from '@claude-foundry/gateway';
import { type CatalogModel, lifecycleOf, listModels } from '@claude-foundry/gateway/models';
import { printJson, table } from '../table.ts';
import { parseCommandArgs } from '../usage.ts';

const HELP = `Usage: npx claude-foundry models [options]

The catalog of Claude models: lifecycle today (active, deprecated, retired), retirement date,
context window, largest max_tokens, and USD per million input / output tokens. A deployment's
"model" names one of these; retired models answer as Foundry does once a model is retired.

Options:
  --config <file>  also the models the gateway's config file declares outside the catalog
                   (its "models"; default $CLAUDE_FOUNDRY_CONFIG), marked "declared"
  --all            retired models too
  --json           the catalog entries as JSON
  -h, --help       this text`;

export async function models(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('models', args, { config: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const now = Date.now();
  const file = values.config ?? process.env['CLAUDE_FOUNDRY_CONFIG'];
  // A config error (a declaration without prices, say) is printed by the CLI's one error handler, exit 1.
  const declared: CatalogModel[] = file ? [...loadConfig({ file, env: process.env }).models.values()] : [];
  const shown = [...listModels().map((m) => ({ ...m, declared: false })), ...declared.map((m) => ({ ...m, declared: true }))]
    .map((m) => ({ ...m, lifecycle: lifecycleOf(m, now) }))
    .filter((m) => values.all || m.lifecycle !== 'retired');
  if (values.json) {
    printJson(shown);
    return 0;
  }
  const tokens = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${Math.round(n / 1000)}K`);
  process.stdout.write(
    table(
      ['MODEL', 'LIFECYCLE', 'RETIRES', 'CONTEXT', 'MAX OUTPUT', '$/MTok IN', '$/MTok OUT'],
      shown.map((m) => [m.declared ? `${m.id} (declared)` : m.id, m.lifecycle, m.retiredAt ?? m.retiresAt ?? '—', tokens(m.contextWindow), tokens(m.maxOutputTokens), m.prices.input, m.prices.output]),
    ),
  );
  return 0;
}
