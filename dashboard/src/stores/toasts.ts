/** Short messages in the corner; errors show the hub's own `message`. */
import { shallowRef } from 'vue';
import { ApiError, isAbort } from '../api/client';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export const toasts = shallowRef<readonly Toast[]>([]);
let nextId = 1;

export function showToast(text: string, kind: Toast['kind'] = 'info'): number {
  const id = nextId++;
  toasts.value = [...toasts.value.slice(-4), { id, kind, text }];
  setTimeout(() => dismissToast(id), kind === 'error' ? 10_000 : 5000);
  return id;
}

export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((t) => t.id !== id);
}

/** The text a user should read for a failure. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const wait = err.retryAfterS === null ? '' : ` Try again in ${err.retryAfterS} s.`;
    return err.message + wait;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Shows a failure as an error toast; a cancelled request is not a failure. */
export function showError(err: unknown, context?: string): void {
  if (isAbort(err)) return;
  const text = errorText(err);
  showToast(context ? `${context}: ${text}` : text, 'error');
}
