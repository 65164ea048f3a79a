import { defineConfig } from 'vitest/config';

/**
 * Pure tests (no database, no network, no process): `npm run test:unit` runs them alone, in seconds. A new pure
 * test file belongs to one of these patterns or is added here.
 */
const UNIT = [
  'src/domain/**/*.test.ts',
  'src/infra/**/*.test.ts',
  'src/feeds/**/*.test.ts',
  'src/http/refuse-nul.test.ts',
  'src/connectors/**/map.test.ts',
  'src/connectors/**/decimal.test.ts',
  'src/connectors/**/webhook.test.ts',
  'src/connectors/**/documents.test.ts',
  'src/connectors/**/throttle.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src/**/*.test.ts', 'sim/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: UNIT,
        },
      },
    ],
  },
});
