// `npx claude-foundry models`: the model catalog as this gateway knows it — lifecycle today (computed from the
// catalog's dates), context window, largest output, and list prices. Offline: it needs no running gateway.
import { lifecycleOf, listModels } from '@claude-foundry/gateway/models';
import { printJson, table } from '../table.ts';
import { parseCommandArgs } from '../usage.ts';

const HELP = `Usage: npx claude-foundry models [options]

The catalog of Claude models: lifecycle today (active, deprecated, retired), retirement date,
context window, largest max_tokens, and USD per million input / output tokens. A deployment's
"model" names one of these; retired models answer as Foundry does once a model is retired.

Options:
  --all        retired models too
  --json       the catalog entries as JSON
  -h, --help   this text`;

export async function models(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('models', args, { all: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const now = Date.now();
  const shown = listModels()
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
      shown.map((m) => [m.id, m.lifecycle, m.retiredAt ?? m.retiresAt ?? '—', tokens(m.contextWindow), tokens(m.maxOutputTokens), m.prices.input, m.prices.output]),
    ),
  );
  return 0;
}
