import { Code, ConnectError } from '@connectrpc/connect';

/** Seconds between retries while the server does not answer: doubling from 1, at most 10. */
const FIRST_RETRY_SECONDS = 1;
const LAST_RETRY_SECONDS = 10;

export function isAbort(error: unknown): boolean {
  return (
    (error instanceof ConnectError && error.code === Code.Canceled) ||
    (error instanceof DOMException && error.name === 'AbortError')
  );
}

/** The server's own message for a call that failed, without the `[code]` prefix. */
export function errorMessage(error: unknown): string {
  if (error instanceof ConnectError) return error.rawMessage;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The banner over the map while the server does not answer. Each part of the page that talks to the
 * server reports here; on failure the banner says so and counts down to the next try, which `retry`
 * makes; the first success hides it.
 */
export class ConnectionBanner {
  private delay = FIRST_RETRY_SECONDS;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly banner: HTMLElement,
    private readonly retry: () => void,
  ) {}

  failed(error: unknown): void {
    if (this.timer !== undefined) return;
    let left = this.delay;
    const show = (): void => {
      this.banner.textContent = `The server at ${window.location.host} is not answering (${errorMessage(error)}). Retrying in ${left} s…`;
    };
    show();
    this.banner.hidden = false;
    this.ticker = setInterval(() => {
      left = Math.max(0, left - 1);
      show();
    }, 1000);
    this.timer = setTimeout(() => {
      clearInterval(this.ticker);
      this.timer = undefined;
      this.banner.textContent = `The server at ${window.location.host} is not answering. Retrying now…`;
      this.retry();
    }, this.delay * 1000);
    this.delay = Math.min(LAST_RETRY_SECONDS, this.delay * 2);
  }

  succeeded(): void {
    this.delay = FIRST_RETRY_SECONDS;
    if (this.timer !== undefined) return;
    this.banner.hidden = true;
  }
}
