/** How often a server checks that its database answers, while it serves. */
export const PROBE_INTERVAL_MS = 1_000;

export interface Availability {
  /** A call could not reach the database: down now (told once per outage). */
  failed(reason: string): void;
  /** A call reached the database: up again if it was down. */
  succeeded(): void;
  stop(): void;
}

/**
 * Whether the database answers, for health and metrics: down as soon as a call or a probe fails to
 * reach it, up as soon as one succeeds. A probe (`SELECT 1`) runs every PROBE_INTERVAL_MS, so an outage
 * is noticed without traffic and the end of one within about a second. The timer never keeps the
 * process alive.
 */
export function watchAvailability(
  probe: () => Promise<unknown>,
  onChange: (available: boolean, reason?: string) => void,
  intervalMs = PROBE_INTERVAL_MS,
): Availability {
  let up = true;
  let probing = false;
  const availability: Availability = {
    failed(reason) {
      if (!up) return;
      up = false;
      onChange(false, reason);
    },
    succeeded() {
      if (up) return;
      up = true;
      onChange(true);
    },
    stop() {
      clearInterval(timer);
    },
  };
  const timer = setInterval(() => {
    if (probing) return;
    probing = true;
    probe()
      .then(
        () => availability.succeeded(),
        (error: unknown) => availability.failed(error instanceof Error ? error.message : String(error)),
      )
      .finally(() => (probing = false));
  }, intervalMs).unref();
  return availability;
}
