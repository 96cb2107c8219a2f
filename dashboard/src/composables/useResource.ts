/** Loads something once and on demand, with the loading flag every list shows. */
import { shallowRef, type Ref } from 'vue';
import { showError } from '../stores/toasts';

export interface Resource<T> {
  /** Null until the first load succeeds. */
  data: Ref<T | null>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
}

export function useResource<T>(load: () => Promise<T>, what: string): Resource<T> {
  const data = shallowRef<T | null>(null) as Ref<T | null>;
  const loading = shallowRef(false);
  async function reload(): Promise<void> {
    loading.value = true;
    try {
      data.value = await load();
    } catch (err) {
      showError(err, `Could not load ${what}`);
    } finally {
      loading.value = false;
    }
  }
  return { data, loading, reload };
}
