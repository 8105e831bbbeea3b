/**
 * What a caller may do. `read` covers every call that only reads; `write` covers the calls that
 * store notes, and includes `read`.
 */
export type Scope = 'read' | 'write';

/** The services whose calls need a scope. Anything else (health, reflection) stays open. */
const SERVICES = ['routeguide.RouteGuide', 'routeguide.extensions.v1.RouteGuideExtensions'] as const;

/**
 * The calls that need `write`, by path. Every other call of the two services needs `read`: a new
 * read-only call (a count of features, say) needs no line here, and a new call that writes needs one.
 */
const WRITE_CALLS: ReadonlySet<string> = new Set(['/routeguide.RouteGuide/RouteChat', '/routeguide.extensions.v1.RouteGuideExtensions/PostNote']);

const SCOPED_PREFIXES = SERVICES.map((service) => `/${service}/`);

/** The scope a call (`/routeguide.RouteGuide/GetFeature`) needs; undefined for an open one. */
export function scopeNeeded(path: string): Scope | undefined {
  if (WRITE_CALLS.has(path)) return 'write';
  for (const prefix of SCOPED_PREFIXES) if (path.startsWith(prefix)) return 'read';
  return undefined;
}

/** Whether a caller with `held` may make a call that needs `needed`. */
export function allows(held: Scope | 'none', needed: Scope): boolean {
  return held === 'write' || (held === 'read' && needed === 'read');
}

/** The method's name in a path, for messages: `GetFeature`. */
export function methodOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
