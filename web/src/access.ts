import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';

/** What the server lets a caller without a token do (`GET /access`). */
export type AnonymousScope = 'none' | 'read' | 'write';

/** Where the tab keeps its token: session storage, so it is gone when the tab closes. */
const TOKEN_KEY = 'routeguide-token';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Sends the tab's token, when it has one, with every call as `authorization: Bearer`. */
export const sendToken: Interceptor = (next) => (request) => {
  const token = storedToken();
  if (token !== null) request.header.set('authorization', `Bearer ${token}`);
  return next(request);
};

/** Whether the server refused a call for want of a token, or of a token's scope. */
export function isRefusal(error: unknown): boolean {
  return error instanceof ConnectError && (error.code === Code.Unauthenticated || error.code === Code.PermissionDenied);
}

/** The server's rule for callers without a token; an older server without `/access` lets them write. */
async function anonymousScope(): Promise<AnonymousScope> {
  try {
    const response = await fetch('/access', { cache: 'no-store' });
    const { anonymous } = (await response.json()) as { anonymous?: AnonymousScope };
    return anonymous === 'none' || anonymous === 'read' ? anonymous : 'write';
  } catch {
    return 'write';
  }
}

/**
 * The page's requests for a token: the gate over the map where anonymous reading is off (asked
 * before anything loads, and again when the server refuses the token), and the token field of the
 * note form where anonymous writing is off. A token given is kept for the tab's session only.
 */
export class TokenPrompts {
  private readonly gate = document.getElementById('token-gate') as HTMLFormElement;
  private readonly gateToken = document.getElementById('gate-token') as HTMLInputElement;
  private readonly gateError = document.getElementById('gate-error')!;
  private readonly noteToken = document.getElementById('note-token') as HTMLInputElement;
  private readonly noteTokenRow = document.getElementById('note-token-row')!;

  /** `open` runs once the map may load: at once, or once a token is given at the gate. */
  constructor(private readonly open: () => void) {
    this.gate.addEventListener('submit', (event) => {
      event.preventDefault();
      const token = this.gateToken.value.trim();
      if (token === '') return;
      storeToken(token);
      this.gateToken.value = '';
      this.gate.hidden = true;
      document.body.dataset.state = 'loading';
      this.open();
    });
  }

  /** Reads the server's rule, shows what it asks for, and opens the map unless a token must come first. */
  async start(): Promise<void> {
    const anonymous = await anonymousScope();
    this.noteTokenRow.hidden = anonymous === 'write';
    if (anonymous === 'none' && storedToken() === null) this.ask('');
    else this.open();
  }

  /** Shows the gate, with the server's refusal when there is one. */
  ask(refusal: string): void {
    document.body.dataset.state = 'token';
    this.gateError.textContent = refusal;
    this.gate.hidden = false;
    this.gateToken.focus();
  }

  /** Before a note is posted: a token typed into the note form becomes the tab's token. */
  takeNoteToken(): void {
    const token = this.noteToken.value.trim();
    if (token === '') return;
    storeToken(token);
    this.noteToken.value = '';
    this.noteToken.placeholder = 'Token saved for this tab';
  }
}
