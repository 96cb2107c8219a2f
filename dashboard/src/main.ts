/** Boot: theme, router, the live-session feed, and what happens when the session ends. */
import { createApp } from 'vue';
import { api } from './api/client';
import App from './App.vue';
import { hubEvents } from './composables/useHubEvents';
import { leaveSession } from './composables/useSignOut';
import { createAppRouter } from './router';
import { liveSessions } from './stores/live';
import { applyStoredTheme } from './stores/theme';
import { showToast } from './stores/toasts';
import './styles.css';

applyStoredTheme();
const router = createAppRouter();

// The Live page's list fills while the user is elsewhere too.
hubEvents.subscribe((event) => liveSessions.apply(event));

api.onAuthLost(() => {
  const here = router.currentRoute.value;
  // Before the first page is shown the router guard sends the user to login by itself.
  if (here.meta.public || here.matched.length === 0) return;
  showToast('Your session has ended. Please log in again.', 'error');
  void leaveSession(router, here.fullPath);
});

createApp(App).use(router).mount('#app');
