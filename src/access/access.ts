import { Code, RouteGuideError } from '../service/errors.js';
import { ANONYMOUS, type AuthTable, type NamedClient } from './auth-file.js';
import { addressGroup } from './client-address.js';
import { ClientQuotas, type ClientState, type QuotaLimits, type QuotaSettings } from './client-quotas.js';
import { allows, methodOf, scopeNeeded, type Scope } from './scopes.js';
import { bearerToken } from './tokens.js';

/** Who is calling, as the access rules and the observers see it. */
export interface Caller {
  /** The name from the auth file, or `anonymous`. */
  readonly name: string;
  readonly scope: Scope | 'none';
  /** Named by the auth file (through a token or a certificate). */
  readonly named: boolean;
  /** Sent a token the auth file does not know: refused whatever else it brings. */
  readonly tokenRefused: boolean;
  /** Whose quotas it spends: `client:NAME`, or the address group of an anonymous caller. */
  readonly quotaKey: string;
}

/** What a transport knows of a call's caller. */
export interface CallerFacts {
  /** The `authorization` header or metadata, as sent. */
  readonly authorization: string | undefined;
  /** The client certificate's subject common name; read only when the auth file names certificates. */
  readonly commonName: () => string | undefined;
  /** The peer's IP address. */
  readonly address: string | undefined;
}

/**
 * A call refused by the access rules: UNAUTHENTICATED, PERMISSION_DENIED or RESOURCE_EXHAUSTED
 * (a quota, with when to retry). The message never holds a token.
 */
export class AccessRefusal extends RouteGuideError {
  constructor(
    code: Code.UNAUTHENTICATED | Code.PERMISSION_DENIED | Code.RESOURCE_EXHAUSTED,
    message: string,
    /** For a rate: how long until a note would pass. */
    readonly retryAfterMs?: number,
  ) {
    super(code, message);
  }

  /** Retry-After's whole seconds (at least 1), for a rate refusal. */
  get retryAfterSeconds(): number | undefined {
    return this.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}

export interface AccessOptions {
  /** What a caller without a known token or certificate may do. */
  readonly anonymous: Scope | 'none';
  /** The auth file's clients now (a reload replaces them); undefined: no auth file. */
  readonly table: () => AuthTable | undefined;
  readonly quotas: QuotaSettings;
  /** Milliseconds, monotonic; replaceable in tests. */
  readonly now?: () => number;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A caller as refusals name it. */
function callerText(caller: Caller): string {
  return caller.named ? `client ${caller.name}` : `anonymous address ${caller.quotaKey}`;
}

/**
 * One call's passage through the rules once admitted: each note it carries spends the caller's write
 * rate, and its stream slot (if it is a stream) is given back by end(), once.
 */
export class CallPassage {
  private ended = false;

  constructor(
    private readonly quotas: ClientQuotas,
    private readonly caller: Caller,
    private readonly state: ClientState,
    private readonly limits: QuotaLimits,
    private readonly streaming: boolean,
    /** The call stores notes: each message it carries is one. */
    readonly countsNotes: boolean,
  ) {}

  /** Spends one note of the write rate: undefined when it may pass, else the refusal with when to retry. */
  note(): AccessRefusal | undefined {
    const rate = this.limits.writeRate;
    if (rate === undefined) return undefined;
    const waitMs = this.quotas.takeNote(this.state, rate);
    if (waitMs === 0) return undefined;
    return new AccessRefusal(
      Code.RESOURCE_EXHAUSTED,
      `write rate exceeded for ${callerText(this.caller)}: ${plural(rate, 'note', 'notes')} a second; retry in ${Math.ceil(waitMs)} ms`,
      waitMs,
    );
  }

  /** The call is over: its stream slot is free again. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.streaming) this.state.streams--;
  }
}

/**
 * The access rules both transports apply, once per process: who a caller is (a bearer token, else a
 * client certificate's common name, else anonymous), whether it may make a call (its scope), and its
 * quotas (the write rate and the open streams, per client).
 */
export class Access {
  readonly quotas: ClientQuotas;
  /** Callers of the clients named by the current table, made once each. */
  private namedCallers = new WeakMap<NamedClient, Caller>();

  constructor(private readonly options: AccessOptions) {
    this.quotas = new ClientQuotas(options.quotas, options.now);
  }

  /** Who is calling. A token, when sent, decides: one the auth file does not know is refused even over a good certificate. */
  identify(facts: CallerFacts): Caller {
    const table = this.options.table();
    const token = bearerToken(facts.authorization);
    if (token !== undefined) {
      const client = token === '' ? undefined : table?.clientOfToken(token);
      return client ? this.callerOf(client) : this.anonymous(facts, true);
    }
    if (table?.hasCertificates) {
      const commonName = facts.commonName();
      const client = commonName === undefined ? undefined : table.clientOfCommonName(commonName);
      if (client) return this.callerOf(client);
    }
    return this.anonymous(facts, false);
  }

  /**
   * Admits a call to `path` or refuses it: an open call (health, reflection) passes untouched
   * (undefined); a scoped one gets its passage, once its scope and its stream quota allow it.
   */
  begin(path: string, caller: Caller, streaming: boolean): CallPassage | AccessRefusal | undefined {
    const needed = scopeNeeded(path);
    if (needed === undefined) return undefined;
    if (caller.tokenRefused) return new AccessRefusal(Code.UNAUTHENTICATED, 'unknown token; the server does not know it (ask its operator for a token)');
    if (!allows(caller.scope, needed)) {
      const method = methodOf(path);
      if (caller.named) {
        return new AccessRefusal(Code.PERMISSION_DENIED, `client ${caller.name} has the ${caller.scope} scope; ${method} needs ${needed}`);
      }
      const anonymousMay = caller.scope === 'none' ? 'this server answers no anonymous calls' : 'anonymous callers may only read';
      return new AccessRefusal(Code.UNAUTHENTICATED, `${method} needs a token with the ${needed} scope (authorization: Bearer TOKEN); ${anonymousMay}`);
    }
    const limits = caller.named ? this.options.quotas.named : this.options.quotas.anonymous;
    const state = this.quotas.stateOf(caller.quotaKey, caller.named);
    if (streaming) {
      if (limits.maxStreams !== undefined && state.streams >= limits.maxStreams) {
        return new AccessRefusal(
          Code.RESOURCE_EXHAUSTED,
          `too many open streams for ${callerText(caller)}: at most ${limits.maxStreams}; close one first`,
        );
      }
      state.streams++;
    }
    return new CallPassage(this.quotas, caller, state, limits, streaming, needed === 'write');
  }

  private callerOf(client: NamedClient): Caller {
    let caller = this.namedCallers.get(client);
    if (caller === undefined) {
      caller = { name: client.name, scope: client.scope, named: true, tokenRefused: false, quotaKey: `client:${client.name}` };
      this.namedCallers.set(client, caller);
    }
    return caller;
  }

  private anonymous(facts: CallerFacts, tokenRefused: boolean): Caller {
    return { name: ANONYMOUS, scope: this.options.anonymous, named: false, tokenRefused, quotaKey: addressGroup(facts.address) };
  }
}

/** A client certificate's subject common name (the first, if it has several). */
export function commonNameOf(certificate: { readonly subject?: { readonly CN?: string | string[] } } | undefined): string | undefined {
  const name = certificate?.subject?.CN;
  return Array.isArray(name) ? name[0] : name;
}
