// The one route table for everything outside the data plane (identity provider, Graph-like and ARM management
// APIs, monitoring, metrics, health). One set of rules for all of them, in this order:
//   1. the path is split into segments and each is percent-decoded: a malformed escape is 400 InvalidUri;
//   2. it is matched against the table (literal segments compare without case, as ARM's do): none is 404;
//   3. the method: HEAD wherever GET is served, 405 with `Allow` otherwise;
//   4. authentication, before any handler looks anything up: an unauthenticated caller learns nothing (401 before 404);
//   5. the handler, with the decoded parameters, the query and the authenticated caller.
// Written here rather than with a router library: about thirty routes off the hot path (the data plane keeps its own
// match), and ARM needs a variable-length scope *before* fixed segments
// (`{scope}/providers/Microsoft.Authorization/roleAssignments`), which a router such as find-my-way cannot express
// (its wildcard only ends a path).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../auth/caller.ts';
import { GatewayError } from '../errors/index.ts';
import type { Correlation } from './respond.ts';
import type { RouteHandler } from './server.ts';

export type Method = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  ids: Correlation;
  /** The path's `{name}` parameters, percent-decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
}

/** The context of an `entra` route: its caller is authenticated. */
export interface CallerContext extends RouteContext {
  caller: Caller;
}

type Action<C> = (ctx: C) => Promise<void> | void;

interface RouteBase {
  /**
   * Segments separated by `/`: literal text, `{name}` (one segment, or part of one as in
   * `servicePrincipals(appId='{appId}')`), or `{name*}` (any number of segments, even none: an ARM scope).
   */
  path: string;
}

/** A bearer token for a management audience (auth/caller.ts) before any action. */
interface EntraRoute extends RouteBase {
  auth: 'entra';
  methods: Partial<Record<Method, Action<CallerContext>>>;
}

/** `public`: no credential (health, the identity provider); a function: the route's own check (the metrics token), throwing the answer to give. */
interface OpenRoute extends RouteBase {
  auth: 'public' | ((req: IncomingMessage) => void);
  methods: Partial<Record<Method, Action<RouteContext>>>;
}

export type Route = EntraRoute | OpenRoute;

interface Compiled {
  route: Route;
  /** One matcher per segment; at most one is a span of segments. */
  segments: Array<{ kind: 'exact'; text: string } | { kind: 'pattern'; re: RegExp } | { kind: 'span'; name: string }>;
  allow: string;
}

const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(route: Route): Compiled {
  const segments = route.path.split('/').slice(1).map((segment) => {
    const span = /^\{(\w+)\*\}$/.exec(segment);
    if (span) return { kind: 'span' as const, name: span[1]! };
    if (!segment.includes('{')) return { kind: 'exact' as const, text: segment.toLowerCase() };
    const source = segment.split(/(\{\w+\})/).map((part) => (/^\{\w+\}$/.test(part) ? `(?<${part.slice(1, -1)}>.+?)` : escapeRe(part))).join('');
    return { kind: 'pattern' as const, re: new RegExp(`^${source}$`, 'i') };
  });
  if (segments.filter((s) => s.kind === 'span').length > 1) throw new Error(`Route ${route.path} has more than one {name*} span.`);
  const methods = Object.keys(route.methods);
  if (methods.includes('GET')) methods.splice(methods.indexOf('GET') + 1, 0, 'HEAD');
  return { route, segments, allow: methods.join(', ') };
}

function matchSegments(compiled: Compiled, path: readonly string[]): Record<string, string> | undefined {
  const { segments } = compiled;
  const spanAt = segments.findIndex((s) => s.kind === 'span');
  const spanLength = path.length - (segments.length - (spanAt === -1 ? 0 : 1));
  if (spanAt === -1 ? spanLength !== 0 : spanLength < 0) return undefined;
  const params: Record<string, string> = {};
  let at = 0;
  for (const segment of segments) {
    if (segment.kind === 'span') {
      params[segment.name] = path.slice(at, at + spanLength).map((s) => `/${s}`).join('');
      at += spanLength;
      continue;
    }
    const text = path[at++]!;
    if (segment.kind === 'exact') {
      if (text.toLowerCase() !== segment.text) return undefined;
    } else {
      const found = segment.re.exec(text);
      if (!found) return undefined;
      Object.assign(params, found.groups);
    }
  }
  return params;
}

/** Decoded segments of a path; a trailing slash is ignored, as ARM and Graph ignore it. */
function segmentsOf(pathname: string): string[] {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  return trimmed
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new GatewayError('invalid_uri', `The request URI is not valid: the path segment '${segment.slice(0, 80)}' holds a malformed percent-escape. Encode % as %25.`);
      }
    });
}

export interface RouteTableOptions {
  /** Authenticates an `entra` route's caller (management audiences), throwing its 401 otherwise. */
  authenticate: (req: IncomingMessage) => Promise<Caller>;
}

/** The table as the server's route handler: undefined for a path no route serves (the server answers 404). */
export function createRouteTable(routes: readonly Route[], options: RouteTableOptions): RouteHandler {
  const table = routes.map(compile);
  return (req, res, pathname, ids) => {
    let path: string[];
    try {
      path = segmentsOf(pathname);
    } catch (err) {
      return Promise.reject(err);
    }
    for (const compiled of table) {
      const params = matchSegments(compiled, path);
      if (params) return serve(compiled, params, req, res, ids, options);
    }
    return undefined;
  };
}

async function serve(compiled: Compiled, params: Record<string, string>, req: IncomingMessage, res: ServerResponse, ids: Correlation, options: RouteTableOptions): Promise<void> {
  const { route } = compiled;
  const method = req.method === 'HEAD' ? 'GET' : (req.method as Method);
  if (!Object.hasOwn(route.methods, method)) {
    throw new GatewayError('method_not_allowed', `The method ${String(req.method).slice(0, 20)} is not allowed on this path; use ${compiled.allow}.`, { allow: compiled.allow });
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const ctx: RouteContext = { req, res, ids, params, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)) };
  if (route.auth === 'entra') {
    const caller = await options.authenticate(req);
    await route.methods[method]!({ ...ctx, caller });
    return;
  }
  if (typeof route.auth === 'function') route.auth(req);
  await route.methods[method]!(ctx);
}
