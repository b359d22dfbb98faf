// `claude-foundry scenarios`: fixtures files of scripted replies (docs/scenarios.md) — turn a recorded
// cassette into one, or check one the way the gateway will read it. Works on files only: no gateway needed.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { CliError } from '../gateway-client.ts';
import { choice, parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: claude-foundry scenarios <command> [options]

Commands:
  from-cassette <cassette.jsonl>   turn a recorded cassette into a fixtures file: a rule per recorded request
                                   that replies what was recorded (recordings of one request play in turn)
    --out <file>                   write it there (default: print it)
    --force                        replace --out if it exists
    --timing <original|fast>       keep the recorded pace (time to first token, tokens per second; default)
                                   or answer at once
  check <fixtures.json>            read a fixtures file as the gateway does: its rules, or its first mistake

Serve the file from a simulator deployment with "scenarios": "<file>" in the config, or put it at
<data folder>/scenarios.json (docs/scenarios.md).`;

export async function scenarios(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'from-cassette') return fromCassette(rest);
  if (sub === 'check') return check(rest);
  throw new UsageError(`scenarios: unknown command '${sub}'; use from-cassette or check. Run 'claude-foundry scenarios --help'.`);
}

function onePath(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`scenarios ${command}: give one ${what}${positionals.length ? `, not ${positionals.length}` : ''}.`);
  return positionals[0]!;
}

async function fromCassette(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('scenarios', args, { out: { type: 'string' }, force: { type: 'boolean' }, timing: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const file = onePath('from-cassette', positionals, 'cassette file (a .jsonl recorded with "record": true)');
  const timing = choice('scenarios', 'timing', values.timing ?? 'original', ['original', 'fast'] as const);
  if (values.out !== undefined && existsSync(values.out) && !values.force) {
    throw new UsageError(`scenarios from-cassette: ${values.out} exists; pass --force to replace it.`);
  }
  const { readCassette, CassetteError, scenariosFromCassette } = await import('@claude-foundry/gateway');
  let exchanges;
  try {
    exchanges = await readCassette(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new CliError(`scenarios from-cassette: ${file} does not exist.`, 1);
    if (err instanceof CassetteError) throw new CliError(`scenarios from-cassette: ${file} is not a cassette: ${err.message}`, 1);
    throw err;
  }
  const conversion = scenariosFromCassette(exchanges, { timing, source: values.out ?? `${file} (converted)` });
  if (values.out === undefined) process.stdout.write(conversion.text);
  else {
    // Written beside, then renamed over: a gateway watching --out never reads half a file.
    const temporary = join(dirname(values.out), `.${basename(values.out)}.${process.pid}.tmp`);
    try {
      writeFileSync(temporary, conversion.text);
      renameSync(temporary, values.out);
    } catch (err) {
      rmSync(temporary, { force: true });
      throw new CliError(`scenarios from-cassette: cannot write ${values.out}: ${(err as Error).message}`, 1);
    }
  }
  const where = values.out === undefined ? '' : ` into ${values.out}`;
  process.stderr.write(`Converted ${exchanges.length - conversion.skipped.length} of ${exchanges.length} exchanges into ${conversion.rules} rules${where}.\n`);
  for (const { exchange, reason } of conversion.skipped) process.stderr.write(`  exchange #${exchange} left out: ${reason}\n`);
  return 0;
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('scenarios', args, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const file = onePath('check', positionals, 'fixtures file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`scenarios check: cannot read ${file}: ${(err as Error).message}`, 1);
  }
  const { parseScenarios, ScenarioFileError } = await import('@claude-foundry/gateway');
  try {
    const rules = parseScenarios(text, file);
    process.stdout.write(`${file}: ${rules.length} rule${rules.length === 1 ? '' : 's'}\n`);
    for (const rule of rules) process.stdout.write(`  line ${rule.line}: ${rule.name} (${rule.replies.length} repl${rule.replies.length === 1 ? 'y' : 'ies'}${rule.times ? `, ${rule.times} times` : ''})\n`);
    return 0;
  } catch (err) {
    if (err instanceof ScenarioFileError) throw new CliError(err.message, 1);
    throw err;
  }
}
