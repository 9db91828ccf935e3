/**
 * One call to a running Baton's API with the admin token, as the e2e tests make it.
 * @returns the JSON answer.
 * @throws Error naming the method, path, status and body when the answer is not 2xx.
 */
export async function callApi<T>(base: string, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${base}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
