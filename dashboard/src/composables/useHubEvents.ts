/** The one shared event socket, and a way for components to listen while they are mounted. */
import { getCurrentScope, onScopeDispose, shallowRef } from 'vue';
import { api } from '../api/client';
import { EventStream, type EventStatus, type StreamEvent } from '../api/events';

export const hubEvents = new EventStream({
  getToken: async () => {
    if (api.accessToken === null && api.hasSession) await api.refresh();
    return api.accessToken;
  },
  refresh: () => api.refresh(),
});
api.onTokens((tokens) => hubEvents.reauthenticate(tokens.accessToken));

/** For the header's connection indicator. */
export const eventStatus = shallowRef<EventStatus>(hubEvents.status);
hubEvents.onStatus((status) => (eventStatus.value = status));

/** Calls `listener` for each event until the calling component unmounts. */
export function useHubEvents(listener: (event: StreamEvent) => void): void {
  const unsubscribe = hubEvents.subscribe(listener);
  if (getCurrentScope()) onScopeDispose(unsubscribe);
}
