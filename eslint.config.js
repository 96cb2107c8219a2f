import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // provisioning/assets: plain scripts for a fresh Pi, outside the TypeScript build; tested end to end.
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'out/**',
      '.data/**',
      'eslint.config.js',
      'provisioning/assets/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  // The dashboard's single-file components: vue-eslint-parser for the template, typescript-eslint
  // for `<script lang="ts">`; layout is prettier's job.
  ...pluginVue.configs['flat/recommended'],
  pluginVue.configs['no-layout-rules'],
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Async generators that yield without awaiting are normal in stream code.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['dashboard/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    // TypeScript checks names (browser globals included); ESLint's own check does not know them.
    rules: { 'no-undef': 'off' },
  },
  {
    // Entry points, scripts, benchmarks and tests may print.
    files: ['scripts/**', 'tests/**', '**/*.test.ts', '**/src/cli/**', '**/src/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
