import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'out/**', '.data/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
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
    // Entry points, scripts, benchmarks and tests may print.
    files: ['scripts/**', 'tests/**', '**/*.test.ts', '**/src/cli/**', '**/src/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
