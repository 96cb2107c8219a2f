/** A clock that ticks while the component is mounted, for countdowns and "seen 5 s ago". */
import { getCurrentScope, onScopeDispose, shallowRef, type Ref } from 'vue';

export function useNow(intervalMs = 1000): Readonly<Ref<number>> {
  const now = shallowRef(Date.now());
  const timer = setInterval(() => (now.value = Date.now()), intervalMs);
  if (getCurrentScope()) onScopeDispose(() => clearInterval(timer));
  return now;
}
