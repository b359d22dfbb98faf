// The data plane: POST /anthropic/v1/messages and /messages/count_tokens, from resource addressing
// through auth, validation and deployment resolution to the backend's JSON reply or SSE stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from '../auth/authenticate.ts';
import type { Backend, BackendCall } from '../backends/types.ts';
import type { GatewayConfig } from '../config/index.ts';
import type { ControlState } from '../control/snapshot.ts';
import type { Deployment, Resource } from '../control/types.ts';
import { GatewayError, invalidRequest } from '../errors/index.ts';
import { readJsonBody } from '../http/body.ts';
import { type Correlation, sendError, sendJson, startEventStream, writeEvent } from '../http/respond.ts';
import { getModel } from '../models/catalog.ts';
import { resourceFromHost, type DataPlanePath } from './address.ts';
import type { AnthropicVersion } from './types.ts';
import { checkModelLimits, validateCountTokensRequest, validateMessagesRequest } from './validate.ts';

const VERSIONS: readonly AnthropicVersion[] = ['2023-06-01', '2026-10-21'];

export interface DataPlaneDeps {
  config: GatewayConfig;
  control: ControlState;
  backends: Readonly<Record<Deployment['backend'], Backend>>;
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

export function createDataPlane(deps: DataPlaneDeps) {
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
    return deployment;
  }

  const stats = { activeStreams: 0 };

  async function handle(req: IncomingMessage, res: ServerResponse, path: DataPlanePath, ids: Correlation): Promise<void> {
    const operation = operationOf(path.api, req.method);
    const addressed = addressedResource(req, path);
    const { resource } = authenticate(deps.control.current, req.headers, addressed);
    const version = anthropicVersion(req);
    const body = await readJsonBody(req, deps.config.maxBodyBytes);

    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });

    if (operation === 'count_tokens') {
      const request = validateCountTokensRequest(body.json, { version });
      const deployment = deploymentOf(resource, request.model);
      const call: BackendCall<typeof request> = {
        request, rawBody: body.raw, resource, deployment, anthropicVersion: version,
        headers: req.headers, requestId: ids.requestId, signal: controller.signal,
      };
      const counted = await deps.backends[deployment.backend].countTokens(call);
      sendJson(res, 200, JSON.stringify(counted), ids);
      return;
    }

    const request = validateMessagesRequest(body.json, { version });
    const deployment = deploymentOf(resource, request.model);
    const model = getModel(deployment.model);
    if (model) checkModelLimits(request, { maxOutputTokens: model.maxOutputTokens, contextWindow: model.contextWindow, modelId: model.id });
    const call: BackendCall<typeof request> = {
      request, rawBody: body.raw, resource, deployment, anthropicVersion: version,
      headers: req.headers, requestId: ids.requestId, signal: controller.signal,
    };
    const reply = await deps.backends[deployment.backend].messages(call);
    if (reply.kind === 'message') {
      sendJson(res, 200, JSON.stringify(reply.message), ids);
      return;
    }

    startEventStream(res, ids);
    stats.activeStreams++;
    try {
      for await (const event of reply.events) {
        if (controller.signal.aborted) return;
        writeEvent(res, event.type, JSON.stringify(event));
      }
    } catch (err) {
      if (controller.signal.aborted) return;
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
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${JSON.stringify({ level: 'error', requestId: ids.requestId, msg: 'unexpected error', detail })}\n`);
}

export { sendError };
