// deploy/nginx.conf, the file compose.yaml mounts, and the same file with local ports and paths for the nginx test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const NGINX_CONF = fileURLToPath(new URL('../../../deploy/nginx.conf', import.meta.url));

/** deploy/nginx.conf with local ports and paths; each replaced line must be found exactly once, so the file cannot drift from what is tested. */
export function localNginxConf(dir: string, listenPort: number, replicaPorts: readonly number[]): string {
  let conf = readFileSync(NGINX_CONF, 'utf8');
  const replace = (from: string, to: string) => {
    const count = conf.split(from).length - 1;
    assert.equal(count, 1, `deploy/nginx.conf holds '${from}' ${count} times`);
    conf = conf.replace(from, to);
  };
  replace('worker_processes auto;', 'worker_processes 1;');
  replace('pid /var/run/nginx.pid;', `pid ${dir}/nginx.pid;`);
  replace('access_log /dev/stdout replicas;', `access_log ${dir}/access.log replicas;`);
  replace('listen 8080;', `listen 127.0.0.1:${listenPort};`);
  replicaPorts.forEach((port, i) => replace(`server gateway-${i + 1}:4480 `, `server 127.0.0.1:${port} `));
  // Temporary files in the test's folder rather than the system's.
  replace('http {\n', `http {\n  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/tmp-${t};`).join(' ')}\n`);
  return conf;
}

