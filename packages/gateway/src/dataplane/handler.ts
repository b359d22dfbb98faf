// The data plane: POST /anthropic/v1/messages and /messages/count_tokens, from resource addressing
// through auth, validation and deployment resolution to the backend's JSON reply or SSE stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/authenticate.ts';
import type { AnyBackend, BackendCall } from '../backends/types.ts';
import type { GatewayConfig } from '../config/index.ts';
import { addressAllowed, clientAddress, compileRanges } from '../control/network.ts';
import type { ControlState } from '../control/snapshot.ts';
import type { Deployment, DeploymentBackend, Resource } from '../control/types.ts';
import { GatewayError, invalidRequest } from '../errors/index.ts';
import { readJsonBody } from '../http/body.ts';
import { sendPassthrough } from '../http/passthrough.ts';
import { type Correlation, sendError, sendJson, startEventStream, writeEvent } from '../http/respond.ts';
import type { Limiter } from '../limits/index.ts';
import { requestLogger } from '../log/index.ts';
import { type Admission, admitMessages, estimateInputTokens } from '../limits/admission.ts';
import { contextWindowOf, servedModel } from '../models/catalog.ts';
import { lifecycleOf } from '../models/lifecycle.ts';
import type { RequestTrace, Telemetry } from '../telemetry/index.ts';
import { resourceFromHost, type DataPlanePath } from './address.ts';
import { readForwardedCountTokens, readForwardedMessages } from './forward.ts';
import type { AnthropicVersion, CountTokensRequest, MessagesRequest } from './types.ts';
import { checkModelLimits, requireBody, requireModel, validateCountTokensRequest, validateMessagesRequest, type ValidateOptions } from './validate.ts';

const VERSIONS: readonly AnthropicVersion[] = ['2023-06-01', '2026-10-21'];

interface RequestReader {
  messages(body: unknown, options: ValidateOptions): MessagesRequest;
  countTokens(body: unknown, options: ValidateOptions): CountTokensRequest;
}

/**
 * How much of the body each backend kind needs checked. The simulator must understand what it
 * answers: the whole request is validated against the API's description. An upstream judges the
 * body itself: the gateway checks only model and max_tokens and forwards the rest (forward.ts), so
 * a field, block or tool newer than this gateway still reaches it.
 */
const READERS: Readonly<Record<DeploymentBackend, RequestReader>> = {
  simulator: { messages: validateMessagesRequest, countTokens: validateCountTokensRequest },
  anthropic: { messages: readForwardedMessages, countTokens: readForwardedCountTokens },
  foundry: { messages: readForwardedMessages, countTokens: readForwardedCountTokens },
  replay: { messages: readForwardedMessages, countTokens: readForwardedCountTokens },
  pool: { messages: readForwardedMessages, countTokens: readForwardedCountTokens },
};

export interface DataPlaneDeps {
  config: GatewayConfig;
  control: ControlState;
  /** API keys and Entra tokens, with RBAC (auth/authenticate.ts). */
  authenticate: Authenticator;
  backends: Readonly<Record<Deployment['backend'], AnyBackend>>;
  /** RPM, ITPM and OTPM admission on the deployment and its subscription's pool (count_tokens is not limited). */
  limiter: Limiter;
  /** The request log, metrics, cost and budgets (telemetry/index.ts). */
  telemetry: Pick<Telemetry, 'begin' | 'checkBudget'>;
  /** The clock a model's lifecycle is judged by (tests inject one around a retirement date). */
  now?: () => number;
}

type Operation = 'messages' | 'count_tokens';

/** Which operation an `/anthropic/{api}` path names, or why it is refused. */
function operationOf(api: string, method: string | undefined): Operation {
  const path = api.endsWith('/') ? api.slice(0, -1) : api;
  const operation = path === 'v1/messages' ? 'messages' : path === 'v1/messages/count_tokens' ? 'count_tokens' : undefined;
  if (!operation) throw new GatewayError('api_not_supported');
  if (method !== 'POST') {
    throw new GatewayError('method_not_allowed', `The method ${method} is not allowed on /anthropic/${path}; use POST.`, { allow: 'POST' });
  }
  return operation;
}

function anthropicVersion(req: IncomingMessage): AnthropicVersion {
  const value = req.headers['anthropic-version'];
  if (value === undefined) throw invalidRequest('anthropic-version: header is required');
  const version = VERSIONS.find((v) => v === value);
  if (!version) {
    throw invalidRequest(`anthropic-version: '${String(value).slice(0, 40)}' is not a supported version; use one of ${VERSIONS.join(', ')}.`);
  }
  return version;
}

/** The values of `anthropic-beta` (comma-separated, possibly repeated). */
function betasOf(req: IncomingMessage): string[] | undefined {
  const header = req.headers['anthropic-beta'];
  if (header === undefined) return undefined;
  return (Array.isArray(header) ? header.join(',') : header).split(',').map((beta) => beta.trim());
}

export function createDataPlane(deps: DataPlaneDeps) {
  const now = deps.now ?? Date.now;
  function addressedResource(req: IncomingMessage, path: DataPlanePath): Resource | undefined {
    const name = path.resourceName ?? resourceFromHost(req.headers.host, deps.config.domains);
    if (name === undefined) return undefined;
    const resource = deps.control.current.resource(name);
    if (!resource) {
      throw new GatewayError('resource_not_found', `The resource '${name.slice(0, 64)}' does not exist on this gateway. Check the resource name in the endpoint URL.`);
    }
    return resource;
  }

  function deploymentOf(resource: Resource, model: string): Deployment {
    const deployment = resource.deployments.get(model);
    if (!deployment) {
      const names = [...resource.deployments.keys()];
      throw new GatewayError(
        'deployment_not_found',
        `The API deployment '${model.slice(0, 128)}' does not exist in resource '${resource.name}'. ` +
          (names.length ? `Pass the name of one of its deployments in 'model': ${names.join(', ')}.` : 'The resource has no deployments yet: create one first.'),
      );
    }
    // A retired model answers as the Claude API does for it (docs/models.md#retired-models), whatever the backend.
    const served = servedModel(deployment);
    if (served && lifecycleOf(served, now()) === 'retired') throw new GatewayError('model_retired', `model: ${model.slice(0, 128)}`);
    return deployment;
  }

  const proxies = deps.config.trustedProxies.length > 0 ? compileRanges(deps.config.trustedProxies) : undefined;

  /** `publicNetworkAccess` and `networkAcls`: before credentials when the request names its resource, as Azure's firewall is. */
  function checkNetwork(req: IncomingMessage, resource: Resource): void {
    const { network } = resource;
    if (!network.publicAccess) throw new GatewayError('public_access_disabled');
    if (network.allowed && !addressAllowed(network, clientAddress(req, proxies))) throw new GatewayError('network_denied');
  }

  const stats = { activeStreams: 0 };

  /** Every data-plane request gets a trace, finished by telemetry when the response closes, whatever happened. */
  function handle(req: IncomingMessage, res: ServerResponse, path: DataPlanePath, ids: Correlation): Promise<void> {
    const trace = deps.telemetry.begin(req, res, ids);
    return serve(req, res, path, ids, trace).catch((err: unknown) => {
      trace.fail(err);
      throw err;
    });
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: DataPlanePath, ids: Correlation, trace: RequestTrace): Promise<void> {
    const operation = operationOf(path.api, req.method);
    trace.operation = operation;
    const addressed = addressedResource(req, path);
    if (addressed) {
      trace.addressed(addressed);
      checkNetwork(req, addressed);
    }
    const authenticated = deps.authenticate(req.headers, addressed, operation, ids);
    const { resource, principal } = authenticated instanceof Promise ? await authenticated : authenticated;
    if (!addressed) checkNetwork(req, resource);
    trace.authenticated(resource, principal);
    const version = anthropicVersion(req);
    const body = await readJsonBody(req, deps.config.maxBodyBytes);
    trace.body(body.raw);
    trace.requested(body.json);

    const controller = new AbortController();
    // One listener for the client leaving (abort the backend call) and for settling the admission, once there is one.
    let admission: Admission | undefined;
    let closed = false;
    res.once('close', () => {
      closed = true;
      if (!res.writableFinished) controller.abort();
      admission?.settle(controller.signal.aborted);
    });

    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const query = queryAt === -1 ? '' : url.slice(queryAt);
    const callOf = <R>(request: R, deployment: Deployment): BackendCall<R> => ({
      request, rawBody: body.raw, query, resource, deployment, anthropicVersion: version,
      headers: req.headers, requestId: ids.requestId, signal: controller.signal, route: trace.route,
    });

    // The deployment first: its backend decides how much of the body is checked.
    const deployment = deploymentOf(resource, requireModel(requireBody(body.json).model));
    trace.deployment = deployment;
    const reader = READERS[deployment.backend];

    if (operation === 'count_tokens') {
      const request = reader.countTokens(body.json, { version });
      const call = callOf(request, deployment);
      trace.waiting();
      const counted = await deps.backends[deployment.backend].countTokens(call);
      trace.answered();
      if ('kind' in counted) {
        trace.passthrough(counted);
        const unexpected = await sendPassthrough(res, counted, ids, controller.signal);
        trace.answered();
        if (unexpected) reportUnexpected(unexpected, ids);
        return;
      }
      const text = JSON.stringify(counted);
      trace.responded(text);
      sendJson(res, 200, text, ids);
      return;
    }

    const betas = betasOf(req);
    const request = reader.messages(body.json, { version, betas });
    trace.stream = request.stream;
    const model = servedModel(deployment);
    const inputTokens = estimateInputTokens(request, model);
    if (model) {
      // The simulator counts with this same estimator, so its window is checked exactly; an upstream checks its own
      // with the real tokenizer (and charges nothing for the refusal), so an estimate must not refuse for it.
      const counted = deployment.backend === 'simulator' ? inputTokens : undefined;
      checkModelLimits(request, { maxOutputTokens: model.maxOutputTokens, contextWindow: contextWindowOf(model, betas), modelId: model.id }, counted);
    }
    deps.telemetry.checkBudget(resource);
    admission = await admitMessages(deps.limiter, resource, deployment, request, inputTokens, model);
    trace.usage = admission.usage;
    // Closed while the limiter answered (a Redis or cluster round trip): settled now, as the listener could not.
    if (closed) admission.settle(controller.signal.aborted);
    const call = callOf(request, deployment);
    call.inputTokens = inputTokens;
    trace.waiting();
    const reply = await deps.backends[deployment.backend].messages(call);
    trace.answered();
    admission.observe(reply);
    if (reply.kind === 'message') {
      const text = JSON.stringify(reply.message);
      trace.responded(text);
      sendJson(res, 200, text, ids);
      return;
    }
    if (reply.kind === 'passthrough') {
      if (reply.stream) stats.activeStreams++;
      trace.passthrough(reply);
      const unexpected = await sendPassthrough(res, reply, ids, controller.signal).finally(() => {
        if (reply.stream) stats.activeStreams--;
      });
      trace.answered();
      if (unexpected) reportUnexpected(unexpected, ids);
      return;
    }

    startEventStream(res, ids);
    stats.activeStreams++;
    trace.waiting();
    try {
      for await (const event of reply.events) {
        trace.answered();
        if (controller.signal.aborted) return;
        admission.usage.event(event);
        const data = JSON.stringify(event);
        writeEvent(res, event.type, data);
        trace.event(event, data);
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      trace.fail(err);
      // A stream that fails midway must not look complete: it ends with `event: error`.
      const error = err instanceof GatewayError ? err : new GatewayError('api_error');
      if (!(err instanceof GatewayError)) reportUnexpected(err, ids);
      writeEvent(res, 'error', error.eventData(ids.requestId));
    } finally {
      stats.activeStreams--;
    }
    res.end();
  }

  return { handle, stats: stats as Readonly<typeof stats> };
}

export function reportUnexpected(err: unknown, ids: Correlation): void {
  requestLogger(ids).error({ err }, 'unexpected error');
}

export { sendError };
