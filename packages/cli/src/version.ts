// The version of claude-foundry: the CLI's package.json, which the root's matches (packages/cli/CHANGELOG.md, written by changesets, says what changed).
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
