/** A router for page tests: the real paths, each showing an empty stand-in page. */
import { createMemoryHistory, createRouter, type Router } from 'vue-router';

export async function testRouter(path = '/'): Promise<Router> {
  const blank = { render: () => null };
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/:any(.*)*', component: blank }],
  });
  await router.push(path);
  await router.isReady();
  return router;
}
