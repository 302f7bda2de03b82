// A host's REST API for scripts (benches, the fleet bed): `api(method, path, body?)` with the API
// token, answering { status, json (undefined when the body is not JSON), text }.

/** `timeoutMs`: each call's limit (none unless given). */
export function apiClient(url, token, { timeoutMs } = {}) {
  return async (method, p, body) => {
    const res = await fetch(`${url}${p}`, {
      method,
      ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
}
