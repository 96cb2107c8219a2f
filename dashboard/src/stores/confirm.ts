/** One confirm dialog for the whole app: `await confirmAction(...)` resolves true on "yes". */
import { shallowRef } from 'vue';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  resolve: (confirmed: boolean) => void;
}

export const confirmRequest = shallowRef<ConfirmRequest | null>(null);

export function confirmAction(options: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
  confirmRequest.value?.resolve(false);
  return new Promise((resolve) => {
    confirmRequest.value = { ...options, resolve };
  });
}

/** Answers the open request (the dialog calls this). */
export function answerConfirm(confirmed: boolean): void {
  const request = confirmRequest.value;
  confirmRequest.value = null;
  request?.resolve(confirmed);
}
