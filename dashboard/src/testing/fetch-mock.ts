/** Test doubles for the hub's HTTP API: a scripted fetch that records each call. */
import type { Role, Tokens } from '../api/types';

export interface FetchCall {
  method: string;
  url: string;
  authorization: string | null;
  body: unknown;
}

export type FetchHandler = (call: FetchCall) => Response | Promise<Response>;

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function emptyResponse(status = 204): Response {
  return new Response(null, { status });
}

/** A fetch that answers through `handler` and keeps every call in `calls`. */
export function mockFetch(handler: FetchHandler): {
  fetch: typeof fetch;
  calls: FetchCall[];
} {
  const calls: FetchCall[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    const call: FetchCall = {
      method: init.method ?? 'GET',
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      authorization: headers.get('authorization'),
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : null,
    };
    calls.push(call);
    return handler(call);
  };
  return { fetch, calls };
}

/** A Tokens answer as the hub sends it. */
export function tokens(accessToken: string, refreshToken: string, role: Role = 'admin'): Tokens {
  return {
    accessToken,
    tokenType: 'Bearer',
    expiresIn: 900,
    refreshToken,
    refreshExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    user: { id: 'u1', username: 'alice', role },
  };
}
