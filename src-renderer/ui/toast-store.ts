import { create } from 'zustand';
import { ERROR_CATALOGUE } from '../../src-shared/error-catalogue.js';
import { toClientError } from '../api/client.js';

export type ToastKind = 'error' | 'success' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  message?: string;
  hint?: string;
  code?: string;
}

interface ToastState {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
}

const LIFETIME_MS: Record<ToastKind, number> = { success: 4000, info: 5000, error: 9000 };
const MAX_TOASTS = 4;
let nextId = 1;

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push(toast) {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts, { ...toast, id }].slice(-MAX_TOASTS) }));
    setTimeout(() => get().dismiss(id), LIFETIME_MS[toast.kind]);
    return id;
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

/** Host messages start in lower case (`must be …`); shown alone they read better capitalised. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** An error in words: the catalogue's title and hint for its code, plus the error's own message. */
export function toastError(error: unknown): void {
  const { shape } = toClientError(error);
  const words = ERROR_CATALOGUE[shape.code] ?? ERROR_CATALOGUE.INTERNAL;
  useToasts.getState().push({ kind: 'error', title: words.title, message: capitalise(shape.message), hint: words.hint, code: shape.code });
}

export function toastSuccess(title: string, message?: string): void {
  useToasts.getState().push({ kind: 'success', title, ...(message ? { message } : {}) });
}

export function toastInfo(title: string, message?: string): void {
  useToasts.getState().push({ kind: 'info', title, ...(message ? { message } : {}) });
}

/** Runs a call and reports its failure as a toast; resolves null then (every store's actions read the same). */
export async function attempt<T>(run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (err) {
    toastError(err);
    return null;
  }
}
