/**
 * The one HTTP client of the dashboard: same-origin JSON calls with the user's access token,
 * one refresh-and-retry when the hub says the token expired, and a signal when the session is
 * gone for good (the app then shows the login page).
 */
import type { ApiErrorBody, Tokens } from './types';

/** Where the refresh token lives, so that a reload stays logged in. */
export const REFRESH_TOKEN_KEY = 'jarvis.refreshToken';

/** 401 codes that a fresh access token can cure; any other 401 is final. */
const REFRESHABLE = new Set(['auth-expired', 'auth-invalid']);

/** A failed call: the hub's `{code, message, retryable}` plus the HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryable = false,
    /** From a 429's Retry-After header. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

/** True for a call cancelled through its AbortSignal (not worth a toast). */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface ApiClientOptions {
  /** Defaults to the global fetch, looked up on each call. */
  fetch?: typeof fetch;
  /** Defaults to localStorage. */
  storage?: KeyValueStore;
  /** Refresh ahead of expiry so the event socket never holds a dead token; default true. */
  refreshAhead?: boolean;
}

export interface RequestOptions {
  body?: unknown;
  /** False for the calls that obtain tokens (login, setup): no header, no refresh on 401. */
  auth?: boolean;
  signal?: AbortSignal;
  /**
   * False where a 401 `auth-invalid` answers the body (a wrong current password) rather than
   * the token: retrying would count the guess twice. `auth-expired` is still refreshed.
   */
  refreshOnInvalid?: boolean;
}

export class ApiClient {
  #accessToken: string | null = null;
  #refreshing: Promise<boolean> | null = null;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #tokenListeners = new Set<(tokens: Tokens) => void>();
  readonly #lostListeners = new Set<() => void>();

  constructor(private readonly options: ApiClientOptions = {}) {}

  get accessToken(): string | null {
    return this.#accessToken;
  }

  /** Whether a session can be resumed (a refresh token is stored). */
  get hasSession(): boolean {
    return this.#accessToken !== null || this.#storage().getItem(REFRESH_TOKEN_KEY) !== null;
  }

  /** Keeps a new token pair from login, setup or refresh. */
  acceptTokens(tokens: Tokens): void {
    this.#accessToken = tokens.accessToken;
    this.#storage().setItem(REFRESH_TOKEN_KEY, tokens.refreshToken);
    clearTimeout(this.#refreshTimer);
    if (this.options.refreshAhead !== false) {
      const aheadMs = Math.max(10_000, tokens.expiresIn * 800);
      this.#refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), aheadMs);
    }
    for (const listener of this.#tokenListeners) listener(tokens);
  }

  /** Forgets both tokens (after logout, a password change, or a refused refresh). */
  forget(): void {
    this.#accessToken = null;
    clearTimeout(this.#refreshTimer);
    this.#storage().removeItem(REFRESH_TOKEN_KEY);
  }

  /** Called with every new token pair; returns an unsubscribe function. */
  onTokens(listener: (tokens: Tokens) => void): () => void {
    this.#tokenListeners.add(listener);
    return () => this.#tokenListeners.delete(listener);
  }

  /** Called when the session ended and only a new login helps. */
  onAuthLost(listener: () => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }
  post<T = void>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
  patch<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete(path: string, options?: RequestOptions): Promise<void> {
    return this.request<void>('DELETE', path, options);
  }

  /** A JSON call; resolves to undefined for an empty answer (204, or 202 without body). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.#send(method, path, options);
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 204 || !type.includes('json')) return undefined as T;
    return (await res.json()) as T;
  }

  /** A binary download (the reply audio) with the same auth handling. */
  async blob(path: string, options: RequestOptions = {}): Promise<Blob> {
    return (await this.#send('GET', path, options)).blob();
  }

  /**
   * Trades the stored refresh token for a new pair. Concurrent callers share one request.
   * Resolves false when the hub refused it (the session is over); rejects when the hub could
   * not be asked (network, 429, 5xx), which leaves the tokens in place for a later try.
   */
  refresh(): Promise<boolean> {
    this.#refreshing ??= this.#refreshOnce().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async #refreshOnce(retried = false): Promise<boolean> {
    const refreshToken = this.#storage().getItem(REFRESH_TOKEN_KEY);
    if (refreshToken === null) return this.#lose();
    const res = await this.#fetch('POST', '/v1/auth/refresh', {
      body: { refreshToken },
      auth: false,
    });
    if (res.ok) {
      this.acceptTokens((await res.json()) as Tokens);
      return true;
    }
    // Another tab may have rotated the shared refresh token while this one was asking.
    const stored = this.#storage().getItem(REFRESH_TOKEN_KEY);
    if (!retried && stored !== null && stored !== refreshToken) return this.#refreshOnce(true);
    if (res.status === 400 || res.status === 401 || res.status === 403) return this.#lose();
    throw await readError(res);
  }

  #lose(): false {
    this.forget();
    for (const listener of this.#lostListeners) listener();
    return false;
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const auth = options.auth !== false;
    // After a reload only the refresh token is known: trade it before the first call.
    if (auth && this.#accessToken === null && this.hasSession && !(await this.refresh()))
      throw new ApiError(401, 'auth-expired', 'Your session has ended. Please log in again.');
    let res = await this.#fetch(method, path, options);
    if (auth && res.status === 401) {
      const err = await readError(res);
      if (err.code === 'auth-invalid' && options.refreshOnInvalid === false) throw err;
      if (!REFRESHABLE.has(err.code)) {
        this.#lose();
        throw err;
      }
      if (!(await this.refresh())) throw err;
      res = await this.#fetch(method, path, options);
    }
    if (!res.ok) throw await readError(res);
    return res;
  }

  async #fetch(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.auth !== false && this.#accessToken !== null)
      headers.authorization = `Bearer ${this.#accessToken}`;
    const doFetch = this.options.fetch ?? globalThis.fetch;
    try {
      return await doFetch(path, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
        credentials: 'same-origin',
      });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ApiError(0, 'network', 'Cannot reach the hub. Check the connection.', true);
    }
  }

  #storage(): KeyValueStore {
    return this.options.storage ?? globalThis.localStorage;
  }
}

/** Reads the hub's error body, falling back to the HTTP status line. */
async function readError(res: Response): Promise<ApiError> {
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  let body: Partial<ApiErrorBody> = {};
  try {
    body = (await res.json()) as Partial<ApiErrorBody>;
  } catch {
    // Not JSON (a proxy's error page): the status alone will do.
  }
  return new ApiError(
    res.status,
    typeof body.code === 'string' ? body.code : `http-${res.status}`,
    typeof body.message === 'string' ? body.message : `The hub answered ${res.status}.`,
    body.retryable === true,
    retryAfterS,
  );
}

/** The dashboard's shared client. */
export const api = new ApiClient();
