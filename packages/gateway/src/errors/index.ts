// The one error catalogue: every error the gateway sends, with its status, body shape and message.
// Gateway failures (auth, routing, unsupported API) speak Azure's `{"error":{"code","message"}}`;
// request and model failures speak Anthropic's `{"type":"error","error":{"type","message"},"request_id"}`;
// the development identity provider's token endpoint speaks Entra's OAuth `{"error","error_description",...}`.
// docs/errors.md documents each entry; keep the two in step.
import { randomUUID } from 'node:crypto';

export type ErrorShape = 'azure' | 'anthropic' | 'oauth';

interface CatalogueEntry {
  status: number;
  shape: ErrorShape;
  /** Azure `error.code`, Anthropic `error.type` or OAuth `error`. */
  code: string;
  /** Default message; most call sites pass a specific one. */
  message: string;
}

export const catalogue = {
  missing_key: {
    status: 401,
    shape: 'azure',
    code: '401',
    message:
      'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
  },
  invalid_key: {
    status: 401,
    shape: 'azure',
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
  api_not_supported: {
    status: 404,
    shape: 'azure',
    code: 'api_not_supported',
    message: 'Requested API is currently not supported',
  },
  resource_not_found: {
    status: 404,
    shape: 'azure',
    code: 'ResourceNotFound',
    message: 'The resource does not exist.',
  },
  deployment_not_found: {
    status: 404,
    shape: 'azure',
    code: 'DeploymentNotFound',
    message: 'The API deployment for this resource does not exist.',
  },
  not_found: {
    status: 404,
    shape: 'azure',
    code: '404',
    message: 'Resource not found',
  },
  invalid_token: {
    status: 401,
    shape: 'azure',
    code: 'InvalidAuthenticationToken',
    message: 'The access token is invalid.',
  },
  token_expired: {
    status: 401,
    shape: 'azure',
    code: 'ExpiredAuthenticationToken',
    message: 'The access token has expired. Get a new token.',
  },
  token_audience: {
    status: 401,
    shape: 'azure',
    code: 'InvalidAuthenticationTokenAudience',
    message: 'The access token has been obtained for the wrong audience or resource.',
  },
  authentication_failed: {
    status: 401,
    shape: 'azure',
    code: 'AuthenticationFailed',
    message: "Authentication failed. The 'Authorization' header is missing.",
  },
  local_auth_disabled: {
    status: 403,
    shape: 'azure',
    code: 'AuthenticationTypeDisabled',
    message: 'Key based authentication is disabled for this resource.',
  },
  permission_denied: {
    status: 403,
    shape: 'azure',
    code: 'PermissionDenied',
    message: 'The principal lacks the required data action to perform this operation.',
  },
  authorization_failed: {
    status: 403,
    shape: 'azure',
    code: 'AuthorizationFailed',
    message: 'The client does not have authorization to perform this action.',
  },
  missing_api_version: {
    status: 400,
    shape: 'azure',
    code: 'MissingApiVersionParameter',
    message: "The api-version query parameter (?api-version=) is required for all requests.",
  },
  invalid_api_version: {
    status: 400,
    shape: 'azure',
    code: 'InvalidApiVersionParameter',
    message: 'The api-version is not supported.',
  },
  invalid_request_content: {
    status: 400,
    shape: 'azure',
    code: 'InvalidRequestContent',
    message: 'The request content was invalid and could not be deserialized.',
  },
  invalid_scope: {
    status: 400,
    shape: 'azure',
    code: 'InvalidScope',
    message: 'The scope is not valid.',
  },
  invalid_subscription_id: {
    status: 400,
    shape: 'azure',
    code: 'InvalidSubscriptionId',
    message: 'The provided subscription identifier is malformed or invalid.',
  },
  subscription_not_found: {
    status: 404,
    shape: 'azure',
    code: 'SubscriptionNotFound',
    message: 'The subscription could not be found.',
  },
  resource_group_not_found: {
    status: 404,
    shape: 'azure',
    code: 'ResourceGroupNotFound',
    message: 'The resource group could not be found.',
  },
  role_definition_not_found: {
    status: 400,
    shape: 'azure',
    code: 'RoleDefinitionDoesNotExist',
    message: 'The specified role definition does not exist.',
  },
  role_definition_missing: {
    status: 404,
    shape: 'azure',
    code: 'RoleDefinitionDoesNotExist',
    message: 'The role definition does not exist.',
  },
  principal_not_found: {
    status: 400,
    shape: 'azure',
    code: 'PrincipalNotFound',
    message: 'The principal does not exist in the directory.',
  },
  invalid_role_assignment: {
    status: 400,
    shape: 'azure',
    code: 'InvalidRoleAssignmentRequest',
    message: 'The role assignment request is not valid.',
  },
  role_assignment_not_found: {
    status: 404,
    shape: 'azure',
    code: 'RoleAssignmentNotFound',
    message: 'The role assignment is not found.',
  },
  role_assignment_exists: {
    status: 409,
    shape: 'azure',
    code: 'RoleAssignmentExists',
    message: 'The role assignment already exists.',
  },
  last_owner: {
    status: 409,
    shape: 'azure',
    code: 'LastOwnerRoleAssignment',
    message: 'The last Owner role assignment of a subscription cannot be removed.',
  },
  role_assignment_update_not_permitted: {
    status: 400,
    shape: 'azure',
    code: 'RoleAssignmentUpdateNotPermitted',
    message: 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
  },
  invalid_account_name: {
    status: 400,
    shape: 'azure',
    code: 'InvalidAccountName',
    message: 'The account name is invalid.',
  },
  invalid_resource_name: {
    status: 400,
    shape: 'azure',
    code: 'InvalidResourceName',
    message: 'The resource name is invalid.',
  },
  invalid_resource_group_name: {
    status: 400,
    shape: 'azure',
    code: 'InvalidResourceGroupName',
    message: 'The resource group name is invalid.',
  },
  custom_domain_in_use: {
    status: 409,
    shape: 'azure',
    code: 'CustomDomainInUse',
    message: 'Please pick a different name. The subdomain name is not available as it is already used by a resource.',
  },
  custom_domain_invalid: {
    status: 400,
    shape: 'azure',
    code: 'CustomDomainInvalid',
    message: 'The sub domain name is not valid.',
  },
  location_required: {
    status: 400,
    shape: 'azure',
    code: 'LocationRequired',
    message: 'The location property is required for this definition.',
  },
  invalid_resource_location: {
    status: 409,
    shape: 'azure',
    code: 'InvalidResourceLocation',
    message: 'A resource with the same name cannot be created in another location.',
  },
  invalid_resource_group_location: {
    status: 409,
    shape: 'azure',
    code: 'InvalidResourceGroupLocation',
    message: 'The resource group already exists in another location.',
  },
  invalid_resource_properties: {
    status: 400,
    shape: 'azure',
    code: 'InvalidResourceProperties',
    message: 'A property of the resource is not valid.',
  },
  deployment_model_not_supported: {
    status: 400,
    shape: 'azure',
    code: 'DeploymentModelNotSupported',
    message: 'The model of account deployment is not supported.',
  },
  cannot_change_deployment_model: {
    status: 400,
    shape: 'azure',
    code: 'CannotChangeDeploymentModel',
    message: 'The model of deployment cannot be changed.',
  },
  arm_bad_request: {
    status: 400,
    shape: 'azure',
    code: 'BadRequest',
    message: 'The request is not valid.',
  },
  arm_not_found: {
    status: 404,
    shape: 'azure',
    code: 'NotFound',
    message: 'The specified resource cannot be found.',
  },
  network_denied: {
    status: 403,
    shape: 'azure',
    code: '403',
    message: 'Access denied due to Virtual Network/Firewall rules.',
  },
  public_access_disabled: {
    status: 403,
    shape: 'azure',
    code: '403',
    message: 'Public access is disabled. Please configure private endpoint.',
  },
  directory_not_found: {
    status: 404,
    shape: 'azure',
    code: 'Request_ResourceNotFound',
    message: 'The directory object does not exist.',
  },
  directory_bad_request: {
    status: 400,
    shape: 'azure',
    code: 'Request_BadRequest',
    message: 'The request is not valid.',
  },
  directory_denied: {
    status: 403,
    shape: 'azure',
    code: 'Authorization_RequestDenied',
    message: 'Insufficient privileges to complete the operation.',
  },
  oauth_invalid_request: {
    status: 400,
    shape: 'oauth',
    code: 'invalid_request',
    message: 'AADSTS900144: The request body must contain the following parameter.',
  },
  oauth_invalid_client: {
    status: 401,
    shape: 'oauth',
    code: 'invalid_client',
    message: 'AADSTS7000215: Invalid client secret provided.',
  },
  oauth_unauthorized_client: {
    status: 400,
    shape: 'oauth',
    code: 'unauthorized_client',
    message: 'AADSTS700016: Application was not found in the directory.',
  },
  oauth_unsupported_grant_type: {
    status: 400,
    shape: 'oauth',
    code: 'unsupported_grant_type',
    message: 'AADSTS70003: The app requested an unsupported grant type.',
  },
  oauth_invalid_scope: {
    status: 400,
    shape: 'oauth',
    code: 'invalid_scope',
    message: 'AADSTS1002012: The provided value for scope is not valid.',
  },
  oauth_invalid_resource: {
    status: 400,
    shape: 'oauth',
    code: 'invalid_resource',
    message: 'AADSTS500011: The resource principal was not found in the tenant.',
  },
  oauth_invalid_grant: {
    status: 400,
    shape: 'oauth',
    code: 'invalid_grant',
    message: 'AADSTS70008: The provided authorization code or refresh token has expired or is not valid.',
  },
  oauth_invalid_tenant: {
    status: 400,
    shape: 'oauth',
    code: 'invalid_tenant',
    message: 'AADSTS90002: Tenant not found.',
  },
  method_not_allowed: {
    status: 405,
    shape: 'azure',
    code: 'MethodNotAllowed',
    message: 'The HTTP method is not allowed on this path.',
  },
  invalid_uri: {
    status: 400,
    shape: 'azure',
    code: 'InvalidUri',
    message: 'The request URI is not valid: it holds a malformed percent-escape. Encode % as %25 and other reserved characters as UTF-8 %XX bytes.',
  },
  header_too_large: {
    status: 431,
    shape: 'azure',
    code: 'RequestHeaderFieldsTooLarge',
    message: 'The request headers are larger than the 16 KB the gateway accepts. Send fewer or shorter headers.',
  },
  request_timeout: {
    status: 408,
    shape: 'azure',
    code: 'RequestTimeout',
    message: 'The request was not received in time.',
  },
  expectation_failed: {
    status: 417,
    shape: 'azure',
    code: 'ExpectationFailed',
    message: "The Expect header is not supported: send 'Expect: 100-continue' or no Expect header.",
  },
  too_many_connections: {
    status: 429,
    shape: 'azure',
    code: 'TooManyConnections',
    message: 'Too many open connections from this address.',
  },
  /** Never sent: the status and code the request log records when the client left mid-request. */
  client_closed: {
    status: 499,
    shape: 'azure',
    code: 'ClientClosedRequest',
    message: 'The client closed the connection before the request was complete.',
  },
  invalid_request: {
    status: 400,
    shape: 'anthropic',
    code: 'invalid_request_error',
    message: 'Invalid request.',
  },
  request_too_large: {
    status: 413,
    shape: 'anthropic',
    code: 'request_too_large',
    message: 'Request exceeds the maximum allowed number of bytes. The maximum request size is 32 MB.',
  },
  rate_limited: {
    status: 429,
    shape: 'anthropic',
    code: 'rate_limit_error',
    message: "This request would exceed your account's rate limit. Please try again later.",
  },
  deployment_rate_limited: {
    status: 429,
    shape: 'azure',
    code: 'RateLimitReached',
    message: 'Requests to the Messages API under this deployment have exceeded its rate limit. Please retry later.',
  },
  rate_limiter_unavailable: {
    status: 503,
    shape: 'azure',
    code: 'ServiceUnavailable',
    message: 'The rate limiter is unreachable. Please retry shortly.',
  },
  budget_exceeded: {
    status: 403,
    shape: 'azure',
    code: 'QuotaExceeded',
    message: "Out of budget: the resource's monthly budget is used up.",
  },
  invalid_parameter: {
    status: 400,
    shape: 'azure',
    code: 'InvalidParameter',
    message: 'A query parameter is not valid.',
  },
  thread_not_found: {
    status: 404,
    shape: 'anthropic',
    code: 'not_found_error',
    message: 'No usable thread state was found for `previous_message_id`.',
  },
  replay_no_match: {
    status: 404,
    shape: 'anthropic',
    code: 'not_found_error',
    message: 'No recorded exchange matches this request.',
  },
  bad_gateway: {
    status: 502,
    shape: 'anthropic',
    code: 'api_error',
    message: 'The upstream could not be reached.',
  },
  gateway_timeout: {
    status: 504,
    shape: 'anthropic',
    code: 'timeout_error',
    message: 'The upstream did not answer in time.',
  },
  api_error: {
    status: 500,
    shape: 'anthropic',
    code: 'api_error',
    message: 'Internal server error',
  },
  store_unavailable: {
    status: 503,
    shape: 'azure',
    code: 'ServiceUnavailable',
    message: 'The store (PostgreSQL) is unreachable; management changes are refused until it answers. Requests are still served from the last snapshot.',
  },
  overloaded: {
    status: 529,
    shape: 'anthropic',
    code: 'overloaded_error',
    message: 'Overloaded',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof catalogue;

/** An error the gateway answers with; anything else that escapes a handler is a 500 `api_error`. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly shape: ErrorShape;
  /** Extra response headers (retry-after, allow...). */
  readonly headers: Record<string, string>;
  /** An Anthropic error's `error.details` (`{error_code, ...}`), which the SDKs map to an error class. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}, details?: Record<string, unknown>) {
    const entry = catalogue[code];
    super(message ?? entry.message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = entry.status;
    this.shape = entry.shape;
    this.headers = headers;
    this.details = details;
  }

  /** The JSON body for this error, in its dialect. */
  body(requestId: string): string {
    const entry = catalogue[this.code];
    if (this.shape === 'azure') {
      return JSON.stringify({ error: { code: entry.code, message: this.message } });
    }
    if (this.shape === 'oauth') return oauthBody(entry.code, this.message);
    return JSON.stringify({ type: 'error', error: this.#anthropicError(entry.code), request_id: requestId });
  }

  #anthropicError(type: string): Record<string, unknown> {
    return this.details === undefined ? { type, message: this.message } : { type, message: this.message, details: this.details };
  }

  /** The `data:` payload of an `event: error` sent mid-stream (always Anthropic-shaped). */
  eventData(requestId: string): string {
    const type = this.shape === 'anthropic' ? catalogue[this.code].code : 'api_error';
    return JSON.stringify({ type: 'error', error: this.#anthropicError(type), request_id: requestId });
  }
}

/** Entra's OAuth error: the AADSTS code leads the description and is repeated in `error_codes`. */
function oauthBody(error: string, message: string): string {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const code = /^AADSTS(\d+)/.exec(message)?.[1];
  return JSON.stringify({
    error,
    error_description: `${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: code ? [Number(code)] : [],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  });
}

/** Shorthand for the many 400s of request validation. */
export function invalidRequest(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}
