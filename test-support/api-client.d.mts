export type ApiCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any; text: string }>;
export function apiClient(url: string, token: string, options?: { timeoutMs?: number }): ApiCall;
