// Entra ID for the gateway: the directory (config + store), the development tenant's signing keys and identity
// provider, the token validator for every trusted tenant, and the admin principal the CLI uses.
import type { GatewayConfig } from '../config/index.ts';
import type { ControlState } from '../control/snapshot.ts';
import type { Route } from '../http/routes.ts';
import type { Store } from '../store/types.ts';
import { type AdminCredentials, ensureAdmin } from './admin.ts';
import { AuthorizationCodes } from './authorize.ts';
import { Directory } from './directory.ts';
import { directoryRoutes } from './graph.ts';
import { identityProviderRoutes } from './idp.ts';
import { RefreshTokens } from './refresh-tokens.ts';
import type { PublicOrigins } from './origin.ts';
import { fileKeyRing, SigningKeyRing, storeKeyRing } from './signing-keys.ts';
import { TOKEN_LIFETIME_SECONDS } from './tokens.ts';
import { type AdminUser, ensureAdminUser } from './users.ts';
import { createTokenValidator, type TokenValidator } from './validate.ts';

/** The setting a rotation on the SQLite store writes, so that its commit tells the other processes on the file. */
const SIGNING_KEYS_ROTATED_SETTING = 'identity.signingKeysRotatedAt';

export interface Identity {
  /** The development tenant's ID. */
  tenantId: string;
  directory: Directory;
  keys: SigningKeyRing;
  validator: TokenValidator;
  /** The development identity provider (when enabled) and the service-principal API. */
  routes: Route[];
  admin: AdminCredentials & { path: string };
  /** The admin user who signs in to the portal. */
  adminUser: AdminUser;
}

export interface IdentityOptions {
  config: GatewayConfig;
  control: ControlState;
  store: Store;
  clock: () => number;
  origins: PublicOrigins;
}

export async function startIdentity(options: IdentityOptions): Promise<Identity> {
  const { config, control, store, clock, origins } = options;
  const settings = config.identity;
  const tenantId = settings.developmentTenant.tenantId;
  // A shared store keeps the signing keys, so every replica validates the tokens any of them issued. On SQLite the
  // ring is a file in the data folder its processes share; a rotation is recorded in the store, so the change reaches
  // the others (gateway.ts reloads the ring on every change) within the propagation bound.
  const ring = store.dialect === 'postgres' ? storeKeyRing(store) : fileKeyRing(config.dataDir, () => store.settings.set(SIGNING_KEYS_ROTATED_SETTING, String(clock())));
  // Processes starting together on an empty data folder or store generate one first key, not one each.
  const keys = await store.exclusive(() => SigningKeyRing.open(ring, clock, (TOKEN_LIFETIME_SECONDS + settings.clockSkewSeconds) * 1000));
  const directory = await Directory.open(store, settings, clock);
  const validator = createTokenValidator({
    developmentTenant: settings.developmentTenant.enabled ? { tenantId, publicKey: (kid) => keys.publicKey(kid) } : undefined,
    trustedTenants: settings.trustedTenants,
    clockSkewSeconds: settings.clockSkewSeconds,
    jwksMinRefreshSeconds: settings.jwksMinRefreshSeconds,
    clock,
  });
  // Replicas starting together create one admin principal and one admin user, not one each.
  const { admin, adminUser } = await store.exclusive(async () => {
    await directory.reload();
    return {
      admin: await ensureAdmin(directory, config.dataDir, control.current.subscriptions()),
      adminUser: await ensureAdminUser(directory, config.dataDir, control.current.subscriptions()),
    };
  });
  const routes: Route[] = [...directoryRoutes({ directory, control })];
  const codes = new AuthorizationCodes({ directory, origins, clock });
  const refreshTokens = new RefreshTokens(directory, clock);
  if (settings.developmentTenant.enabled) routes.push(...identityProviderRoutes({ directory, keys, clock, origins, codes, refreshTokens }));
  return { tenantId, directory, keys, validator, routes, admin, adminUser };
}

export { DEFAULT_TENANT_ID } from './config.ts';

/** What a running gateway exposes of its identity: for tests, the CLI's banner and embedding. */
export interface GatewayIdentity {
  /** The development tenant's ID. */
  tenantId: string;
  /** `<dataDir>/ca.pem`: trust it (NODE_EXTRA_CA_CERTS) to call the HTTPS listener. */
  caPath: string;
  caPem: string;
  /** `<dataDir>/admin-credentials.json`, the admin principal the CLI signs in with. */
  adminCredentialsPath: string;
  directory: Directory;
  /** The portal's admin user: its name, and its password only on the start that created it (printed once). */
  adminUser: { userName: string; path: string; newPassword: string | undefined };
  /** Starts signing with a new key; the previous one stays published until its tokens have expired. Returns its kid. */
  rotateSigningKey(): Promise<string>;
}
