// Writes the table of config keys in docs/configuration.md from the schema (src/config/schema.ts), between its
// markers. `node packages/gateway/scripts/config-table.ts` rewrites it; config-schema.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { configSchema, type FieldDoc } from '../src/config/schema.ts';

export const DOC_PATH = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));
const START = '<!-- config-table:start (generated from packages/gateway/src/config/schema.ts by packages/gateway/scripts/config-table.ts) -->';
const END = '<!-- config-table:end -->';

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
}
const defOf = (schema: z.ZodType) => schema._zod.def as unknown as Def;
const docOf = (schema: z.ZodType) => (schema.meta() as { doc?: FieldDoc } | undefined)?.doc;

/**
 * The object schema inside optionals, arrays, records and unions (`record: true | {…}`), if there is one, with what
 * its path gains: `[]` for an array's items, `.<key>` for a record's values.
 */
function objectIn(schema: z.ZodType): { shape: Record<string, z.ZodType>; suffix: string } | undefined {
  const def = defOf(schema);
  if (def.type === 'optional') return objectIn(def.innerType!);
  if (def.type === 'object') return { shape: def.shape!, suffix: '' };
  if (def.type === 'array') {
    const inner = objectIn(def.element!);
    return inner && { ...inner, suffix: `[]${inner.suffix}` };
  }
  if (def.type === 'record') {
    const inner = objectIn(def.valueType!);
    return inner && { ...inner, suffix: `.<key>${inner.suffix}` };
  }
  if (def.type === 'union') for (const option of def.options!) if (objectIn(option)) return objectIn(option);
  return undefined;
}

function rows(shape: Record<string, z.ZodType>, prefix: string): string[] {
  const out: string[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    const path = `${prefix}${key}`;
    const doc = docOf(schema);
    if (doc) out.push(`| \`${path}\` | ${doc.default} | ${doc.meaning.replaceAll('|', '\\|')} |`);
    const inner = doc?.sameAs ? undefined : objectIn(schema);
    if (inner) out.push(...rows(inner.shape, `${path}${inner.suffix}.`));
  }
  return out;
}

export function configTable(): string {
  const shape = defOf(configSchema).shape!;
  return ['| field | default | meaning |', '|---|---|---|', ...rows(shape, '')].join('\n');
}

/** The doc with its table replaced by the schema's. */
export function renderedDoc(current = readFileSync(DOC_PATH, 'utf8')): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${DOC_PATH} lacks the config-table markers`);
  return `${current.slice(0, start)}${START}\n${configTable()}\n${current.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(DOC_PATH, renderedDoc());
  process.stdout.write(`wrote the config table in ${DOC_PATH}\n`);
}
