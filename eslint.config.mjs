// The linter (`pnpm lint`): ESLint's and typescript-eslint's recommended rules, type-checked. Each package is
// read through its own tsconfig.json (projectService), so the rules see the same types as `pnpm typecheck`.
// Formatting is Biome's (biome.jsonc), not ESLint's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const JS = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const TESTS = ['**/test/**'];

export default defineConfig(
  // Generated, installed or built: not ours to lint (the same list as biome.jsonc).
  globalIgnores(['**/node_modules/', '**/dist/', 'packages/client/src/generated/', 'openapi/', 'migrations/', '**/.tap/', '**/coverage/', 'data/']),

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,

  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // The .mjs/.cjs scripts belong to no tsconfig: they get a default project of their own.
        projectService: {
          allowDefaultProject: ['*.mjs', '*.cjs', 'scripts/*.mjs', 'packages/*/bin/*.mjs', 'packages/*/scripts/*.mjs', 'services/*/scripts/*.mjs'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
    rules: {
      // On, and stricter than the default: thenables count too, which catches a Drizzle query built and never
      // awaited (it never runs). Two kinds of promise are safe to leave: tap queues `t.test(…)` subtests itself,
      // and Fastify's reply methods (`reply.header(…)`) return the reply, which is only incidentally thenable.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          checkThenables: true,
          allowForKnownSafePromises: [
            { from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' },
            { from: 'package', name: 'FastifyReply', package: 'fastify' },
          ],
        },
      ],
      // Off: a Fastify plugin is `async (app) => { app.get(…) }` by contract (async is how it says it is done, with
      // no callback), and a tap subtest is `async (t) => { … }` whether or not it awaits; neither needs an await.
      '@typescript-eslint/require-await': 'off',
      // Tuned, not off: a leading underscore, or a rest sibling, is how this code drops what it does not use
      // (`({ period: _p, ...rest }) => rest`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },

  {
    // Tests read responses as JSON (light-my-request's `res.json()` and `JSON.parse` are `any` by design) and
    // probe them with tap's matchers: typing every body would restate the OpenAPI schemas, so the rules that
    // track `any` are off here. They stay on in src/, where an `any` is a hole in the types.
    files: TESTS,
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  {
    // Plain JavaScript scripts have no types to check: every value is `any`, so the no-unsafe-* rules would flag
    // every line. The other type-aware rules (no-floating-promises among them) still run.
    files: JS,
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  {
    // CommonJS loads with require(): that is what .cjs means (.dependency-cruiser.cjs must be CommonJS).
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
