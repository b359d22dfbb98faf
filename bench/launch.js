// Starts a benchmark target the way the installed command starts claude-foundry: Node's compile cache on
// (packages/cli/bin/compile-cache.js), then the target's TypeScript file. The bare proxy starts the same
// way, so neither pays for Node's TypeScript stripper when the other does not.
//
//   node [flags] bench/launch.js <target.ts> [args…]
import { flushCompileCache, useCompileCache } from '../packages/cli/bin/compile-cache.js';

const target = process.argv[2];
if (!target) throw new Error('bench/launch.js: the target file is required');
process.argv.splice(2, 1);
useCompileCache();
await import(new URL(target, `file://${process.cwd()}/`).href);
flushCompileCache();
