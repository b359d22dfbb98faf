// Where the HTTPS listener's CA and certificates are kept. Alone, in the data folder (each file 0600), which the
// workers and processes on one SQLite store share (a new CA is announced through the store's change version). With a shared
// store (PostgreSQL), every replica serves certificates from one CA: its key, its certificate and the names it was
// issued for are sealed in the store (created and renewed under the store's exclusive lock), ca.pem is also
// copied into the data folder for clients to trust; each replica issues its own server certificate from that CA and
// keeps it in memory only, so no replica overwrites another's key pair.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../store/data-dir.ts';
import type { Store } from '../store/types.ts';

export interface TlsStorage {
  /** True when other replicas use the same CA (a shared store): it then permits every replica's names. */
  readonly shared: boolean;
  read(file: string): Promise<string | undefined>;
  write(file: string, text: string): Promise<void>;
}

/** `written`: told of each file once it is in place (the SQLite store announces a new CA through it, tls.ts). */
export function dataDirTls(dataDir: string, written?: (file: string, text: string) => Promise<void>): TlsStorage {
  return {
    shared: false,
    read: async (file) => {
      try {
        return readFileSync(join(dataDir, file), 'utf8');
      } catch {
        return undefined; // missing or unreadable: generated afresh
      }
    },
    write: async (file, text) => {
      writePrivateFile(join(dataDir, file), text);
      await written?.(file, text);
    },
  };
}

/** `shared`: the CA's files and the issued names, kept in the store; `copied`: also written to the data folder. */
export function storeTls(store: Store, dataDir: string, shared: readonly string[], copied: readonly string[]): TlsStorage {
  const local = new Map<string, string>();
  const files = dataDirTls(dataDir);
  return {
    shared: true,
    read: async (file) => {
      if (!shared.includes(file)) return local.get(file);
      const text = await store.secrets.get(`tls.${file}`);
      // A replica started on an empty data folder still gets the CA's certificate for its clients.
      if (text !== undefined && copied.includes(file) && (await files.read(file)) !== text) await files.write(file, text);
      return text;
    },
    write: async (file, text) => {
      if (!shared.includes(file)) return void local.set(file, text);
      await store.secrets.put(`tls.${file}`, text);
      if (copied.includes(file)) await files.write(file, text);
    },
  };
}
