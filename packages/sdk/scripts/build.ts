// Builds the package with tsc: ESM into dist/esm, CommonJS into dist/cjs. `--out <dir>` builds a complete package folder there instead (the tests' way).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const outAt = process.argv.indexOf('--out');
const outDir = outAt >= 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]!) : packageDir;
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

const compile = (config: string, into: string) =>
  execFileSync(process.execPath, [tsc, '-p', join(packageDir, config), '--outDir', join(outDir, into)], { stdio: 'inherit' });

rmSync(join(outDir, 'dist'), { recursive: true, force: true });
compile('tsconfig.build.json', 'dist/esm');
compile('tsconfig.build.cjs.json', 'dist/cjs');
writeFileSync(join(outDir, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');

// As @anthropic-ai/foundry-sdk's CommonJS entry does: `const AnthropicFoundry = require(...)` is itself constructible,
// and still carries every named export (`require(...).AnthropicFoundry`, `.default`, the error classes).
const cjsIndex = join(outDir, 'dist/cjs/index.js');
const anchor = 'Object.defineProperty(exports, "__esModule", { value: true });';
const source = readFileSync(cjsIndex, 'utf8');
if (!source.includes(anchor)) throw new Error(`build: ${cjsIndex} no longer contains the line the callable export is placed before`);
writeFileSync(cjsIndex, source.replace(anchor, `exports = module.exports = function AnthropicFoundry(...args) {\n  return new exports.default(...args);\n};\n${anchor}`));

if (outDir !== packageDir) {
  mkdirSync(outDir, { recursive: true });
  for (const file of ['package.json', 'README.md']) copyFileSync(join(packageDir, file), join(outDir, file));
}
