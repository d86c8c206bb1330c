/**
 * The multi-instance specs: several processes of the *built* API (dist/apps/api/main.js) on one
 * PostgreSQL schema and a private redis-server (support/cluster.ts). They run after the build
 * (tools/scripts/test.sh), with DATABASE_URL=postgres://…; `npx nx run api-e2e:cluster`.
 */
export default {
  displayName: 'api-cluster',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/cluster/**/*.cluster-spec.ts'],
  globalSetup: '<rootDir>/src/support/global-setup.ts',
  testTimeout: 60_000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js'],
};
