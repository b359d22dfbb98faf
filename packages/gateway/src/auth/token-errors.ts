// How a refused token is answered: expiry and audience get Azure's own codes, everything else
// InvalidAuthenticationToken; the message is the validator's, which names the problem and no internals.
import { GatewayError } from '../errors/index.ts';
import { TokenRejected } from '../identity/jwt.ts';
import { logger, requestLogger } from '../log/index.ts';

export function tokenError(rejection: TokenRejected): GatewayError {
  if (rejection.reason === 'expired') return new GatewayError('token_expired', rejection.message);
  if (rejection.reason === 'audience') return new GatewayError('token_audience', rejection.message);
  return new GatewayError('invalid_token', rejection.message);
}

/**
 * The answer to a validation that threw. A rejection of the token itself is the caller's problem and is not
 * logged; unreachable signing keys and anything unexpected are ours, so the operator gets a line (with the
 * request's ids) while the caller gets a 401 that reveals no internals.
 */
export function tokenFailure(err: unknown, ids: { requestId: string; apimRequestId: string } | undefined): GatewayError {
  const log = ids ? requestLogger(ids) : logger();
  if (err instanceof TokenRejected) {
    if (err.reason === 'keys_unavailable') log.warn({ err: err.cause ?? err }, 'token signing keys unavailable');
    return tokenError(err);
  }
  log.error({ err }, 'unexpected error while validating a token');
  return new GatewayError('invalid_token', 'The access token could not be validated.');
}
