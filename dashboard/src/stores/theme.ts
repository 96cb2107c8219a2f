/** Light, dark, or the system's choice; kept in localStorage. */
import { shallowRef } from 'vue';

export type Theme = 'system' | 'light' | 'dark';
const KEY = 'jarvis.theme';
const ORDER: readonly Theme[] = ['system', 'light', 'dark'];

function stored(): Theme {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

export const theme = shallowRef<Theme>('system');

/** Puts the stored theme on <html>; the stylesheet reads `data-theme`. */
export function applyStoredTheme(): void {
  setTheme(stored());
}

export function setTheme(next: Theme): void {
  theme.value = next;
  if (next === 'system') {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, next);
    document.documentElement.dataset.theme = next;
  }
}

export function cycleTheme(): void {
  setTheme(ORDER[(ORDER.indexOf(theme.value) + 1) % ORDER.length] ?? 'system');
}
