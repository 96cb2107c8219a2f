/** Pages and who may see them: members get Live, History, Devices and Timers. */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import DevicesPage from './pages/DevicesPage.vue';
import EnrollPage from './pages/EnrollPage.vue';
import HistoryPage from './pages/HistoryPage.vue';
import LivePage from './pages/LivePage.vue';
import LoginPage from './pages/LoginPage.vue';
import SatellitesPage from './pages/SatellitesPage.vue';
import SystemPage from './pages/SystemPage.vue';
import TimersPage from './pages/TimersPage.vue';
import UsersPage from './pages/UsersPage.vue';
import { currentUser, homePath, restoreSession } from './stores/auth';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    /** Reachable without login. */
    public?: boolean;
    /** Admins only; a member is sent to /live. */
    admin?: boolean;
    /** `/` and unknown paths: sent on to the user's home page, chosen once the user is known. */
    landing?: boolean;
  }
}

const Nowhere = { render: () => null };

const routes: RouteRecordRaw[] = [
  { path: '/login', component: LoginPage, meta: { public: true, title: 'Log in' } },
  {
    path: '/satellites',
    component: SatellitesPage,
    meta: { admin: true, title: 'Satellites' },
  },
  { path: '/live', component: LivePage, meta: { title: 'Live' } },
  {
    path: '/history',
    component: HistoryPage,
    meta: { title: 'History' },
  },
  {
    path: '/devices',
    component: DevicesPage,
    meta: { title: 'Devices' },
  },
  { path: '/timers', component: TimersPage, meta: { title: 'Timers' } },
  {
    path: '/enroll',
    component: EnrollPage,
    meta: { admin: true, title: 'Enroll a satellite' },
  },
  {
    path: '/users',
    component: UsersPage,
    meta: { admin: true, title: 'Users' },
  },
  {
    path: '/system',
    component: SystemPage,
    meta: { admin: true, title: 'System' },
  },
  // Not `redirect`: a redirect is resolved before the guard has restored the session.
  { path: '/', component: Nowhere, meta: { landing: true } },
  { path: '/:unknown(.*)*', component: Nowhere, meta: { landing: true } },
];

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory('/'), routes });

  router.beforeEach(async (to) => {
    await restoreSession();
    const user = currentUser.value;
    if (to.meta.landing) return user ? homePath(user) : '/login';
    if (to.meta.public) return user && to.path === '/login' ? homePath(user) : true;
    if (!user) return { path: '/login', query: { redirect: to.fullPath } };
    if (to.meta.admin && user.role !== 'admin') return '/live';
    return true;
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Jarvis` : 'Jarvis';
  });
  return router;
}
