// The context every resource route shares: the authenticated caller, the control plane, and ARM's answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizationFailed, type Caller } from '../../auth/caller.ts';
import type { Correlation } from '../../http/respond.ts';
import type { Directory } from '../../identity/directory.ts';
import type { ControlPlane } from '../plane.ts';
import { sendArm } from './http.ts';
import type { PublicUrls } from './shapes.ts';

export interface ResourceManagerDeps {
  plane: ControlPlane;
  directory: Directory;
  /** The listeners' ports, filled in once they listen: the endpoints accounts report. */
  ports: { http: number; https: number };
  now: () => number;
}

/** One management request, authenticated. */
export interface ArmContext {
  req: IncomingMessage;
  res: ServerResponse;
  ids: Correlation;
  caller: Caller;
  deps: ResourceManagerDeps;
  /** The gateway's base URLs on the host name the caller used. */
  urls: PublicUrls;
  /** ISO time of this request, for created/modified stamps. */
  now: string;
}

/** Throws ARM's 403 unless the caller holds `action` at `scope`. */
export function authorize(ctx: ArmContext, scope: string, action: string): void {
  if (!can(ctx, scope, action)) throw authorizationFailed(ctx.caller, action, scope);
}

export function can(ctx: ArmContext, scope: string, action: string): boolean {
  return ctx.deps.directory.current.allows(ctx.caller.principalIds, scope, 'action', action);
}

export function reply(ctx: ArmContext, status: number, body?: unknown): void {
  sendArm(ctx.res, status, body, ctx.ids);
}

