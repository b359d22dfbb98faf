// How a refused token is answered: expiry and audience get Azure's own codes, everything else
// InvalidAuthenticationToken; the message is the validator's, which names the problem and no internals.
import { GatewayError } from '../errors/index.ts';
import type { TokenRejected } from '../identity/jwt.ts';

export function tokenError(rejection: TokenRejected): GatewayError {
  if (rejection.reason === 'expired') return new GatewayError('token_expired', rejection.message);
  if (rejection.reason === 'audience') return new GatewayError('token_audience', rejection.message);
  return new GatewayError('invalid_token', rejection.message);
}
