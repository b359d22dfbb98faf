// nginx for the `--workers` benchmark, in two roles: a target (a reverse proxy with two worker processes, the
// reference for what two cores can do) and a cheap mock upstream (one worker process answering the Messages
// call from memory: `return 200` for 0 ms, the echo module's `echo_sleep` then the same `return 200` for 20 ms), so
// that the mock takes less of the two cores than the Node mock does. Every reply carries a Content-Length, as the
// Node mock's do (the echo module's own output would be chunked, a different reply at 20 ms than at 0 ms). Each runs
// from its own temporary folder, in the foreground.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnPinned, waitForPort, type Spawned } from './proc.ts';

export const NGINX = '/usr/sbin/nginx';
const ECHO_MODULE = '/usr/lib/nginx/modules/ngx_http_echo_module.so';

/** nginx and its echo module (Debian's `nginx` package brings both): what the nginx mock needs. */
export const nginxMockAvailable = (): boolean => existsSync(NGINX) && existsSync(ECHO_MODULE);

export function nginxVersion(): string {
  return /nginx\/(\S+)/.exec(spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr)?.[1] ?? 'unknown';
}

const temps = (dir: string) => ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/tmp-${t};`).join(' ');

/** The mock's reply: the Node mock's (bench/mock-upstream.ts) JSON message, with nginx's request id. */
function reply(model: string): string {
  return JSON.stringify({
    id: 'msg_$request_id', type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text: 'Hello! This is the benchmark mock upstream answering.' }],
    stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: 16, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 12 },
  });
}

export interface Nginx {
  proc: Spawned;
  port: number;
  stop(): Promise<void>;
}

async function start(name: string, conf: (dir: string, port: number) => string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), conf(dir, port));
  const proc = spawnPinned({ name, command: NGINX, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'] });
  try {
    await waitForPort(proc, port, 10_000);
  } catch (err) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    proc, port,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The mock upstream: POST /m{latency}/v1/messages answers a message after that many ms (0 or 20). */
export function startNginxMock(latenciesMs: readonly number[]): Promise<Nginx> {
  const locations = latenciesMs.map((ms) =>
    ms === 0
      ? `location = /m0/v1/messages { add_header request-id req_$request_id; return 200 '${reply('mock-0')}'; }`
      : // echo_sleep needs the body read first, or keep-alive would see it as the next request; echo_exec then
        // hands over to a named location that answers like the 0 ms one, with a Content-Length.
        `location = /m${ms}/v1/messages { echo_read_request_body; echo_sleep ${ms / 1000}; echo_exec @reply${ms}; }
    location @reply${ms} { add_header request-id req_$request_id; return 200 '${reply(`mock-${ms}`)}'; }`,
  );
  return start('nginx mock upstream', (dir, port) => `load_module ${ECHO_MODULE};
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  ${temps(dir)}
  server {
    listen 127.0.0.1:${port};
    default_type application/json;
    ${locations.join('\n    ')}
  }
}
`);
}

/** The reverse proxy target: two worker processes in front of the mock, keep-alive both ways. */
export function startNginxProxy(mockPort: number): Promise<Nginx> {
  return start('nginx', (dir, port) => `worker_processes 2;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  ${temps(dir)}
  upstream mock { server 127.0.0.1:${mockPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
`);
}
