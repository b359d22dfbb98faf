// The Dockerfile and compose.yaml cannot be built or started here (no Docker daemon): what can be checked is
// checked. compose.yaml parses, has the three replicas, PostgreSQL, Redis and nginx wired as docs/scale-out.md
// says; nginx mounts deploy/nginx.conf (the file nginx.test.ts runs) and its upstreams are the compose services;
// the gateways' config file loads; the Dockerfile copies paths that exist and probes /readyz.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/index.ts';
import { NGINX_CONF } from './nginx-conf.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Service {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const gateways = ['gateway-1', 'gateway-2', 'gateway-3'];

describe('compose.yaml', () => {
  test('holds three gateway replicas, PostgreSQL, Redis and nginx', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [...gateways, 'nginx', 'postgres', 'redis'].sort());
    assert.match(compose.services['postgres']!.image!, /^postgres:15/);
    assert.match(compose.services['redis']!.image!, /^redis:7/);
  });

  test('each replica is built from the Dockerfile with DATABASE_URL, REDIS_URL and one shared secret key, waits for healthy PostgreSQL and Redis, and has a data volume of its own', () => {
    const volumes = new Set<string>();
    for (const name of gateways) {
      const g = compose.services[name]!;
      assert.equal(g.build, '.');
      assert.match(g.environment!['DATABASE_URL']!, /^postgres:\/\/claude_foundry:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/claude_foundry$/);
      assert.equal(g.environment!['REDIS_URL'], 'redis://redis:6379');
      assert.match(g.environment!['CLAUDE_FOUNDRY_SECRET_KEY']!, /^\$\{CLAUDE_FOUNDRY_SECRET_KEY:\?/);
      assert.deepEqual(g.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      assert.ok(g.volumes!.includes('./deploy/claude-foundry.json:/config/claude-foundry.json:ro'));
      const data = g.volumes!.find((v) => v.endsWith(':/data'));
      assert.ok(data && !volumes.has(data), `${name} has a data volume of its own`);
      volumes.add(data);
    }
  });

  test("nginx mounts deploy/nginx.conf, whose upstreams are the three replicas' services and whose port is published", () => {
    const nginx = compose.services['nginx']!;
    assert.ok(nginx.volumes!.includes('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro'));
    assert.equal(join(ROOT, 'deploy/nginx.conf'), NGINX_CONF, 'the same file the nginx test runs');
    const conf = readFileSync(NGINX_CONF, 'utf8');
    const upstreams = [...conf.matchAll(/^\s*server (\S+):4480 /gm)].map((m) => m[1]);
    assert.deepEqual(upstreams, gateways);
    assert.match(conf, /^\s*listen 8080;$/m);
    assert.deepEqual(nginx.ports, ['8080:8080']);
    assert.deepEqual(Object.keys(nginx.depends_on!).sort(), gateways);
  });

  test("the gateways' config loads, trusts X-Forwarded-For from nginx's fixed address only, and drains within the stop grace period", () => {
    const config = loadConfig({ file: join(ROOT, 'deploy/claude-foundry.json'), env: {} });
    const nginxAddress = (compose.services['nginx']!.networks as Record<string, { ipv4_address: string }>)['replicas']!.ipv4_address;
    assert.deepEqual(config.trustedProxies, [nginxAddress]);
    assert.equal(config.host, '0.0.0.0');
    for (const name of gateways) {
      const grace = Number(/^(\d+)s$/.exec(compose.services[name]!.stop_grace_period!)![1]) * 1000;
      assert.ok(grace > config.drainMs, `${name}: stop_grace_period ${grace} ms > drainMs ${config.drainMs}`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.replace(/\\\n\s*/g, ' ').split('\n').filter((l) => /^[A-Z]+ /.test(l));

  test('is multi-stage, installs production dependencies only in the image that runs, and runs as an unprivileged user', () => {
    assert.equal(instructions.filter((l) => l.startsWith('FROM ')).length, 2);
    const runtime = instructions.slice(instructions.findLastIndex((l) => l.startsWith('FROM ')));
    assert.ok(runtime.some((l) => l.startsWith('RUN npm ci --omit=dev ')));
    assert.ok(runtime.includes('USER node'));
    assert.match(runtime.find((l) => l.startsWith('HEALTHCHECK '))!, /http:\/\/127\.0\.0\.1:4480\/readyz/);
  });

  test('copies only paths that exist, and starts Node with the flag of the installed command', () => {
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      for (const source of line.split(/\s+/).slice(1, -1)) assert.ok(existsSync(join(ROOT, source)), `${line}: ${source} exists`);
    }
    const shebang = readFileSync(join(ROOT, 'packages/cli/bin/claude-foundry.js'), 'utf8').split('\n', 1)[0]!;
    const flag = /node (--\S+)/.exec(shebang)![1]!;
    assert.match(instructions.find((l) => l.startsWith('ENTRYPOINT '))!, new RegExp(`"node", "${flag}", "packages/cli/bin/claude-foundry.js"`));
  });
});
