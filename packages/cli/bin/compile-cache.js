// Node's compile cache for the TypeScript sources. Plain JavaScript on purpose: it must run before the
// first .ts file loads. Node strips types with amaro, a WebAssembly build of swc that costs about 17 MB
// per thread that loads it (the main thread and the request-log worker). With the cache on, Node keeps
// each stripped file (keyed by its path and content, so an edited file is stripped again) and, from the
// second start on, loads neither amaro nor the original sources: about 35 MB less resident memory.
//
// The cache is code this process will run, so it lives where only this user can write:
// NODE_COMPILE_CACHE if set, else <XDG_CACHE_HOME or ~/.cache>/claude-foundry/compile-cache (mode 0700),
// never Node's default in the shared temporary folder.
import { mkdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

function cacheDirectory() {
  const env = process.env;
  if (env['NODE_COMPILE_CACHE']) return env['NODE_COMPILE_CACHE'];
  const base = env['XDG_CACHE_HOME'] || (process.platform === 'win32' ? env['LOCALAPPDATA'] : undefined) || join(homedir(), '.cache');
  return join(base, 'claude-foundry', 'compile-cache');
}

/** Turns the cache on for this process and, through the environment, for its worker threads. */
export function useCompileCache() {
  if (!nodeModule.enableCompileCache) return;
  const directory = cacheDirectory();
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  } catch {
    return; // an unwritable home: run without the cache (it only saves memory and start-up time)
  }
  const result = nodeModule.enableCompileCache(directory);
  if (result?.directory) process.env['NODE_COMPILE_CACHE'] = result.directory;
}

/** Writes what was compiled so far, so a process that is killed rather than exiting still leaves it. */
export function flushCompileCache() {
  nodeModule.flushCompileCache?.();
}
