import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SQL_IN_STORE = 'SQL lives in src/store/: add a repository function there.';

/** The imports an area of src/ may not make (tests excepted): the query builder, layers it must not reach, the simulators. */
function layer(files, { kysely, reach }) {
  return {
    files: [files],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: kysely ? [{ name: 'kysely', message: SQL_IN_STORE }] : [],
          patterns: [
            ...(reach.length
              ? [
                  {
                    group: reach.map((r) => (r.endsWith('.ts') ? `**/${r}` : `**/${r}/*`)),
                    message: `${files} does not depend on ${reach.join(', ')}.`,
                  },
                ]
              : []),
            {
              group: ['**/sim/*', '**/demo/*'],
              message:
                'src/ never imports the simulators or the demo: they are for the tests and npm run demo.',
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.waybill/**', '.scratch/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read loosely-typed JSON answers; a cast at every step would hide more than it shows.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // SQL lives in store/ (and the queue's own in jobs/): everything else speaks to repositories. None of the Db
    // handle's query methods is called outside those two.
    files: ['src/**/*.ts'],
    ignores: ['src/store/**', 'src/jobs/**', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(selectFrom|selectNoFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)$/]',
          message: SQL_IN_STORE,
        },
      ],
    },
  },
  // The layers point one way (domain ← app ← http/cli; store implements what app needs; connectors reach nothing of
  // Waybill's but the domain), and nothing of Waybill's own runs on a simulator. One rule per area: ESLint keeps the
  // last setting of a rule, so each area's list is whole.
  layer('src/app/**/*.ts', { kysely: true, reach: ['http', 'cli', 'hub.ts'] }),
  layer('src/{store,jobs}/**/*.ts', { kysely: false, reach: ['app', 'http', 'cli', 'hub.ts', 'connectors'] }),
  layer('src/connectors/**/*.ts', { kysely: true, reach: ['app', 'http', 'cli', 'hub.ts', 'store', 'jobs'] }),
  // Supplier feeds are read here, into typed rows: no database, no HTTP, no adapter (the app layer applies them).
  layer('src/feeds/**/*.ts', {
    kysely: true,
    reach: ['app', 'http', 'cli', 'hub.ts', 'store', 'jobs', 'connectors'],
  }),
  layer('src/{http,cli,infra}/**/*.ts', { kysely: true, reach: [] }),
  layer('src/hub.ts', { kysely: true, reach: [] }),
  {
    // The domain is pure: no I/O, no clock, no randomness (see STYLE.md).
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'http',
            'kysely',
            'pg',
            'better-sqlite3',
            '../app/*',
            '../store/*',
            '../http/*',
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now' },
        { object: 'Math', property: 'random' },
      ],
    },
  },
  // The web UI (ui/) runs in the browser. Its globals are DOM's, which TypeScript checks against ui/tsconfig.json's
  // lib (typescript-eslint turns no-undef off for TS files). It reaches the hub over HTTP only, never by importing
  // the hub's code or the modules only Node has.
  { ignores: ['ui/dist/**'] },
  {
    files: ['ui/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fastify', 'kysely', 'pg', 'better-sqlite3'],
              message: 'ui/src runs in the browser: Node and the server are not there.',
            },
            {
              group: ['**/domain/*', '**/app/*', '**/store/*', '**/http/*', '**/connectors/*', '**/jobs/*'],
              message:
                "ui/src talks to the hub over its HTTP API (ui/src/api.ts), never through the hub's code.",
            },
          ],
        },
      ],
    },
  },
);
