/**
 * Tiny router: exact segments, ':name' params, and a last '*' segment that
 * takes the rest of the path. Static segments beat params, params beat '*'.
 */
import type { RouteHandler } from '../types';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteOptions {
  /** max request body in bytes (default: the server's) */
  bodyLimit?: number;
}

interface Route {
  method: Method;
  pattern: string;
  segments: string[];
  handler: RouteHandler;
  options: RouteOptions;
  /** higher wins: one digit per segment, 3 static / 2 param / 1 rest */
  rank: number[];
}

export interface RouteMatch {
  handler: RouteHandler;
  params: Record<string, string>;
  options: RouteOptions;
  pattern: string;
}

export class BadPathError extends Error {}

export function splitPath(pathname: string): string[] {
  return pathname.split('/').filter((s, i, a) => !(s === '' && (i === 0 || i === a.length - 1)));
}

export class Router {
  private routes: Route[] = [];

  add(method: Method, pattern: string, handler: RouteHandler, options: RouteOptions = {}): void {
    if (!pattern.startsWith('/')) throw new Error(`route pattern must start with '/': ${pattern}`);
    const segments = splitPath(pattern);
    segments.forEach((s, i) => {
      if (s === '*' && i !== segments.length - 1) throw new Error(`'*' must be the last segment: ${pattern}`);
    });
    const rank = segments.map((s) => (s === '*' ? 1 : s.startsWith(':') ? 2 : 3));
    const existing = this.routes.findIndex((r) => r.method === method && r.pattern === pattern);
    const route: Route = { method, pattern, segments, handler, options, rank };
    if (existing >= 0) this.routes[existing] = route;
    else this.routes.push(route);
  }

  /** undefined = no route for that path at all; { allowed } = path known, method not. */
  match(method: string, pathname: string): RouteMatch | { allowed: string[] } | undefined {
    const raw = splitPath(pathname);
    let parts: string[];
    try {
      parts = raw.map((p) => decodeURIComponent(p));
    } catch {
      throw new BadPathError(`malformed percent-encoding in path: ${pathname}`);
    }
    const lookup = method === 'HEAD' ? 'GET' : method;
    let best: { route: Route; params: Record<string, string> } | undefined;
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method !== lookup) {
        allowed.add(route.method);
        continue;
      }
      if (!best || compareRank(route.rank, best.route.rank) > 0) best = { route, params };
    }
    if (best) return { handler: best.route.handler, params: best.params, options: best.route.options, pattern: best.route.pattern };
    if (allowed.size) return { allowed: [...allowed] };
    return undefined;
  }
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s === '*') {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      params['*'] = rest.join('/');
      return params;
    }
    if (i >= parts.length) return undefined;
    if (s.startsWith(':')) {
      if (parts[i] === '') return undefined;
      params[s.slice(1)] = parts[i];
    } else if (s !== parts[i]) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
