import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Compiles the dashboard's .vue files for its component tests; other files pass untouched.
  plugins: [vue()],
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: [
      '{protocol,hub,satellite,provisioning}/src/**/*.test.ts',
      'tests/**/*.test.ts',
      'dashboard/src/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
