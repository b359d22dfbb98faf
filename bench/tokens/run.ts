// Token validation microbenchmark: µs of CPU per Entra token validation on the gateway's validator, for the
// same token again and again (what a client reusing its token costs: the steady state) and for a fresh token each
// time (the first request of each token). Not a test: `npx node bench/tokens/run.ts`. docs/benchmarks.md has the figures.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { signJwt } from '../../packages/gateway/src/identity/jwt.ts';
import { createTokenValidator } from '../../packages/gateway/src/identity/validate.ts';

const AUDIENCES = ['https://cognitiveservices.azure.com', 'https://ai.azure.com'];
const RUNS = 5;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tenantId = randomUUID();
const kid = 'bench-kid';
const validator = createTokenValidator({
  developmentTenant: { tenantId, publicKey: (k) => (k === kid ? publicKey : undefined) },
  trustedTenants: [],
  clockSkewSeconds: 300,
  jwksMinRefreshSeconds: 300,
  clock: Date.now,
});

function token(): string {
  const now = Math.floor(Date.now() / 1000);
  const oid = randomUUID();
  const claims = { aud: AUDIENCES[0], iss: `https://sts.windows.net/${tenantId}/`, iat: now - 300, nbf: now - 300, exp: now + 3599, appid: randomUUID(), oid, sub: oid, tid: tenantId, ver: '1.0' };
  return signJwt({ typ: 'JWT', alg: 'RS256', kid, x5t: kid }, claims, privateKey);
}

async function measure(tokens: readonly string[], count: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) await validator.validate(tokens[i % tokens.length]!, AUDIENCES);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

const freshTokens = () => Array.from({ length: 1000 }, token);
const same = [token()];
await measure(same, 2000); // warm-up: JIT
await measure(freshTokens(), 1000);
const reuse: number[] = [];
const first: number[] = [];
for (let run = 0; run < RUNS; run++) {
  reuse.push(await measure(same, 20_000));
  const fresh = freshTokens(); // signed outside the measurement, never seen by the validator before
  first.push(await measure(fresh, fresh.length));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(`${JSON.stringify({ sameTokenMicros: Number(median(reuse).toFixed(2)), freshTokenMicros: Number(median(first).toFixed(2)), runs: RUNS })}\n`);
