// `claude-foundry admin recover`: restores the CLI's admin principal offline, with the gateway stopped — its Owner
// assignment on every subscription and a working secret in <dataDir>/admin-credentials.json — as a start does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { ControlPlane } from '../control/plane.ts';
import { DATABASE_FILE, openConfiguredStore } from '../store/index.ts';
import { ADMIN_CREDENTIALS_FILE, ensureAdmin, writeAdminCredentials } from './admin.ts';
import { Directory } from './directory.ts';

export interface RecoverOptions {
  dataDir: string;
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** What was done: the admin's client ID, the subscriptions it owns, and the credentials file written. */
export interface Recovered {
  clientId: string;
  subscriptions: string[];
  path: string;
}

export async function recoverAdmin(options: RecoverOptions): Promise<Recovered> {
  const config = loadConfig({ file: options.configFile, env: options.env ?? process.env, overrides: { dataDir: options.dataDir } });
  if (config.store.postgres === undefined && !existsSync(join(config.dataDir, DATABASE_FILE))) {
    throw new Error(`${config.dataDir} holds no claude-foundry store: pass the data folder the gateway was started with (--data-dir).`);
  }
  const env = options.env ?? process.env;
  const store = await openConfiguredStore(config, env);
  try {
    const { plane } = await ControlPlane.open(store, config, Date.now);
    const directory = await Directory.open(store, config.identity, Date.now);
    const subscriptions = plane.state.current.subscriptions();
    const admin = await ensureAdmin(directory, config.dataDir, subscriptions);
    // Keep where the gateway listened, so the CLI finds it again once it is started.
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const previous = readUrls(join(config.dataDir, ADMIN_CREDENTIALS_FILE), {
      url: `http://${host}:${config.port}`, httpsUrl: `https://${host}:${config.httpsPort}`, caPath: join(config.dataDir, 'ca.pem'),
    });
    writeAdminCredentials(admin.path, admin, previous);
    return { clientId: admin.clientId, subscriptions: [...subscriptions], path: admin.path };
  } finally {
    await store.close();
  }
}

type Urls = { url: string; httpsUrl: string; caPath: string };

/** The URLs the file had, else the config's (the next start rewrites them anyway). */
function readUrls(path: string, fallback: Urls): Urls {
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<Urls>;
    return { url: file.url ?? fallback.url, httpsUrl: file.httpsUrl ?? fallback.httpsUrl, caPath: file.caPath ?? fallback.caPath };
  } catch {
    return fallback;
  }
}
