/** One kind of client's quotas; a limit left undefined is unlimited. */
export interface QuotaLimits {
  /** Notes a second, RouteChat's and PostNote's alike: a token bucket holding one second's worth (at least one note). */
  readonly writeRate?: number;
  /** Streaming calls of every kind open at once. */
  readonly maxStreams?: number;
}

/** Quotas for the clients the auth file names (each by name) and for anonymous ones (each by address). */
export interface QuotaSettings {
  readonly named: QuotaLimits;
  readonly anonymous: QuotaLimits;
}

/** Clients tracked at most: past it, new anonymous addresses share one entry, so a spray of addresses cannot grow memory. */
export const MAX_TRACKED_CLIENTS = 65_536;
/** How often idle entries are dropped, at most. */
const SWEEP_INTERVAL_MS = 10_000;

/** One client's state: its bucket of notes and its open streams. */
export class ClientState {
  streams = 0;
  constructor(
    public tokens: number,
    public refilledAt: number,
    public lastSeen: number,
  ) {}
}

/** The bucket's size for a rate: one second's worth, and at least one note, or nothing could pass. */
export function burstOf(rate: number): number {
  return Math.max(1, rate);
}

/**
 * Every client's quota state, by key (`client:NAME`, or an anonymous caller's address group), held
 * across the gRPC and HTTP ports of one process. Entries idle for longer than a full refill are
 * dropped (at most every 10 s), and at most `maxTracked` anonymous entries are kept.
 */
export class ClientQuotas {
  private readonly clients = new Map<string, ClientState>();
  private readonly overflow: ClientState;
  private lastSweep: number;
  /** Long enough that a dropped entry's bucket would have been full again. */
  private readonly idleMs: number;

  constructor(
    readonly settings: QuotaSettings,
    private readonly now: () => number = () => performance.now(),
    private readonly maxTracked = MAX_TRACKED_CLIENTS,
  ) {
    const refillMs = (limits: QuotaLimits): number => (limits.writeRate === undefined ? 0 : (burstOf(limits.writeRate) / limits.writeRate) * 1000);
    this.idleMs = Math.max(SWEEP_INTERVAL_MS, refillMs(settings.named), refillMs(settings.anonymous));
    this.lastSweep = now();
    this.overflow = this.fresh(settings.anonymous, this.lastSweep);
  }

  /** How many clients are tracked now. */
  get size(): number {
    return this.clients.size;
  }

  /** The state of the client under `key`, made on its first call. */
  stateOf(key: string, named: boolean): ClientState {
    const now = this.now();
    let state = this.clients.get(key);
    if (state === undefined) {
      if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep(now);
      // Named clients are as many as the auth file's lines: they always get their own.
      if (!named && this.clients.size >= this.maxTracked) {
        this.sweep(now);
        if (this.clients.size >= this.maxTracked) return this.overflow;
      }
      state = this.fresh(named ? this.settings.named : this.settings.anonymous, now);
      this.clients.set(key, state);
    }
    state.lastSeen = now;
    return state;
  }

  /** Takes one note from the bucket: 0 when it had one, or else the milliseconds until it will. */
  takeNote(state: ClientState, rate: number): number {
    const now = this.now();
    const burst = burstOf(rate);
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledAt) / 1000) * rate);
    state.refilledAt = now;
    state.lastSeen = now;
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return 0;
    }
    return ((1 - state.tokens) / rate) * 1000;
  }

  private fresh(limits: QuotaLimits, now: number): ClientState {
    return new ClientState(limits.writeRate === undefined ? 0 : burstOf(limits.writeRate), now, now);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, state] of this.clients) {
      if (state.streams === 0 && now - state.lastSeen >= this.idleMs) this.clients.delete(key);
    }
  }
}
