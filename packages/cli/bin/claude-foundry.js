#!/usr/bin/env -S node --max-semi-space-size=8
// The installed `claude-foundry` command: turns on the compile cache (compile-cache.js), then runs the
// TypeScript CLI. The V8 flag caps each half of the young generation at 8 MB: under load V8 otherwise
// grows it to 64 MB a half, 100 MB of resident memory for garbage that a smaller nursery collects at
// the same CPU cost (docs/benchmarks.md). `npm start` passes the same flag.
import { flushCompileCache, useCompileCache } from './compile-cache.js';

useCompileCache();
const { main } = await import('../src/index.ts');
flushCompileCache();
process.exitCode = await main(process.argv.slice(2));
