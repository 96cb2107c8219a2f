/**
 * The satellite list, kept current by `satellite` events. Only admins may list satellites;
 * for members the list stays empty and names fall back to ids.
 */
import { computed, onMounted, type ComputedRef, type Ref } from 'vue';
import { listSatellites } from '../api/satellites';
import type { Satellite } from '../api/types';
import { isAdmin } from '../stores/auth';
import { useHubEvents } from './useHubEvents';
import { useResource } from './useResource';

export interface Satellites {
  satellites: Ref<Satellite[] | null>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
  /** Rooms of the satellites that are not revoked, sorted. */
  rooms: ComputedRef<string[]>;
  nameOf: (id: string) => string;
  /** Replaces (or adds) one satellite in the list. */
  put: (satellite: Satellite) => void;
  remove: (id: string) => void;
}

export function useSatellites(): Satellites {
  const { data, loading, reload } = useResource(listSatellites, 'satellites');

  const put = (satellite: Satellite): void => {
    const list = data.value ?? [];
    const i = list.findIndex((s) => s.id === satellite.id);
    data.value = i < 0 ? [...list, satellite] : list.with(i, satellite);
  };
  const remove = (id: string): void => {
    data.value = (data.value ?? []).filter((s) => s.id !== id);
  };

  useHubEvents((event) => {
    if (!isAdmin.value) return;
    if (event.type === 'satellite') put(event.satellite);
    // Reconnected after a gap: events may have been missed.
    else if (event.type === 'ready' && data.value !== null) void reload();
  });
  onMounted(() => {
    if (isAdmin.value) void reload();
  });

  const rooms = computed(() => {
    const active = (data.value ?? []).filter((s) => s.revokedAt === null);
    return [...new Set(active.map((s) => s.room))].sort((a, b) => a.localeCompare(b));
  });
  const nameOf = (id: string): string => data.value?.find((s) => s.id === id)?.name ?? id;

  return { satellites: data, loading, reload, rooms, nameOf, put, remove };
}
