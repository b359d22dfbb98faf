// The README, walked as a newcomer would: its quick start on a fresh data folder while another process holds
// the ports (the start fails naming the flag, then the documented flags choose others), the first call with
// curl, then its Entra ID section as written — shell lines and the .mjs script — against that gateway.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'cf-quickstart-'));
const dataDir = join(work, '.data');
// The Entra script imports the installed SDKs: it lives under the repository's node_modules, as a user's would beside theirs.
const scriptDir = join(ROOT, 'node_modules', '.cache', `cf-quickstart-${process.pid}`);
const env: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '', PATH: `${dirname(process.execPath)}:${process.env['PATH']}` };
for (const k of ['CLAUDE_FOUNDRY_DATA_DIR', 'CLAUDE_FOUNDRY_URL', 'CLAUDE_FOUNDRY_PORT', 'CLAUDE_FOUNDRY_HTTPS_PORT', 'ANTHROPIC_FOUNDRY_API_KEY', 'ANTHROPIC_FOUNDRY_BASE_URL', 'NODE_EXTRA_CA_CERTS'] as const) delete env[k];

/** The fenced blocks of `lang` in the README section whose heading starts with `heading`. */
function blocks(heading: string, lang: string): string[] {
  const start = README.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, heading);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

let holder: ChildProcess;
let held: [number, number];
let gateway: ChildProcess | undefined;

before(async () => {
  // Another process holds two ports, as something already on 4480/4443 would.
  holder = spawn(process.execPath, ['-e', "const n=require('node:net');const a=n.createServer().listen(0,'127.0.0.1',()=>{const b=n.createServer().listen(0,'127.0.0.1',()=>console.log(a.address().port,b.address().port))})"]);
  held = await new Promise((resolve) => holder.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim().split(' ').map(Number) as [number, number])));
  mkdirSync(scriptDir, { recursive: true });
});
after(async () => {
  for (const child of [gateway, holder]) {
    if (!child || child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // npm start runs the gateway in a child of its own: stop the whole group.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
  rmSync(scriptDir, { recursive: true, force: true });
});

/** `npm start -- <flags>` from the repository, as the README writes it; resolves with the banner. */
function npmStart(args: string[]): Promise<{ child: ChildProcess; out: string; code?: number | null; errors: string }> {
  const child = spawn('npm', ['start', '--', ...args], { cwd: ROOT, env, detached: true });
  let out = '';
  let errors = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (errors += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}${errors}`)), 60_000);
    child.stdout!.on('data', () => {
      if (out.includes('Ctrl+C')) {
        clearTimeout(timer);
        resolve({ child, out, errors });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ child, out, code, errors });
    });
  });
}

test('the quick start with the ports taken, then the documented flags, the first call and the Entra section', { timeout: 180_000 }, async () => {
  const [quickStart] = blocks('Two commands', 'sh');
  assert.match(quickStart!, /^npm install && npm start +# installs, then serves the endpoint on http:\/\/127\.0\.0\.1:4480$/m);
  // The documented way to choose ports and the data folder.
  const flagsLine = blocks('Two commands', 'sh')[1]!.split('\n').find((l) => l.startsWith('npm start -- '))!;
  const flags = (ports: [number, number]) =>
    flagsLine.replace(/\s+#.*$/, '').replace('5480', String(ports[0])).replace('5443', String(ports[1])).replace('/tmp/cf-data', dataDir).split(' ').slice(3);

  const refused = await npmStart(flags(held));
  assert.equal(refused.code, 1, refused.out + refused.errors);
  assert.match(refused.errors, new RegExp(`claude-foundry: the port ${held[0]} is already in use\\. Stop the other process, or choose another with --port <n>`));

  const ports: [number, number] = [await freePort(), await freePort()];
  const started = await npmStart(flags(ports));
  gateway = started.child;
  assert.equal(started.code, undefined, started.errors);
  assert.match(started.out, new RegExp(`Ports +HTTP ${ports[0]}, HTTPS ${ports[1]}`));
  for (const line of started.out.split('\n').filter((l) => l.startsWith('export ANTHROPIC_FOUNDRY_'))) {
    const [, name, value] = /^export (\w+)=(\S+)$/.exec(line)!;
    env[name!] = value!;
  }
  assert.equal(env['ANTHROPIC_FOUNDRY_BASE_URL'], `http://127.0.0.1:${ports[0]}/claude-local/anthropic`);

  // The first call, with curl, as written.
  const [curl] = blocks('The first call', 'sh');
  const call = spawnSync('bash', ['-c', curl!], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(call.status, 0, call.stderr);
  const reply = JSON.parse(call.stdout) as { type: string; content: Array<{ type: string }> };
  assert.equal(reply.type, 'message', call.stdout);

  // The Entra section: its shell lines in the same shell state, then its script.
  const [shell] = blocks('Microsoft Entra ID', 'sh');
  const [script] = blocks('Microsoft Entra ID', 'js');
  const devJson = join(work, 'dev.json');
  const scriptPath = join(scriptDir, 'entra.mjs');
  writeFileSync(scriptPath, script!.replace("'dev.json'", JSON.stringify(devJson)).replace('https://127.0.0.1:4443', `https://127.0.0.1:${ports[1]}`));
  const lines = `set -e\n${shell!.replace('> dev.json', `> ${devJson}`).replace('$PWD/.data/ca.pem', join(dataDir, 'ca.pem'))}\nnode ${scriptPath}\n`;
  assert.match(lines, /^unset ANTHROPIC_FOUNDRY_API_KEY/m, 'the README says to drop the key');
  const entra = spawnSync('bash', ['-c', lines], { cwd: ROOT, env: { ...env, CLAUDE_FOUNDRY_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 90_000 });
  assert.equal(entra.status, 0, `${entra.stdout}\n${entra.stderr}`);
  assert.match(entra.stdout, /\[\s*\{[\s\S]*type: 'text'/, entra.stdout);
});
