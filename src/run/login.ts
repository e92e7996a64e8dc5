import { request } from 'undici';
import type { z } from 'zod';
import type { loginSchema } from '../scenario/schema.js';

export type Login = z.output<typeof loginSchema>;

/**
 * Log in to one target as the scenario says, and return the headers that carry the credential: the token from the
 * JSON answer under `header` (with its scheme), or the cookies the answer set. A login that fails is the scenario's
 * problem, said with the status and the start of the answer.
 */
export async function logIn(baseUrl: string, login: Login, timeoutMs: number): Promise<Record<string, string>> {
  const body = login.body === undefined ? undefined : typeof login.body === 'string' ? login.body : JSON.stringify(login.body);
  const headers = { ...(body !== undefined && typeof login.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...(login.headers ?? {}) };
  const where = `workload.login: ${login.method} ${login.path}`;
  const response = await request(`${baseUrl}${login.path}`, { method: login.method, headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await response.body.text();
  if (response.statusCode >= 400) throw new Error(`${where} answered ${response.statusCode} (${text.slice(0, 160)}): check its path, body and headers`);
  if (login.token) {
    let value: unknown;
    try {
      value = login.token.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], JSON.parse(text));
    } catch {
      throw new Error(`${where} answered ${response.statusCode} with something that is not JSON (${text.slice(0, 160)}), so it has no "${login.token}"`);
    }
    if (typeof value !== 'string' || value === '') throw new Error(`${where}: its answer has no string at "${login.token}" (${text.slice(0, 160)})`);
    return { [login.header.toLowerCase()]: login.scheme ? `${login.scheme} ${value}` : value };
  }
  const cookies = [response.headers['set-cookie'] ?? []].flat().map((cookie) => cookie.split(';')[0]!).filter(Boolean);
  if (cookies.length === 0) throw new Error(`${where} set no cookie: give workload.login.token, the path of the token in its JSON answer`);
  return { cookie: cookies.join('; ') };
}
