/**
 * Boots the real AppModule in-process on a fresh database per test file: SQLite by default,
 * PostgreSQL (a fresh schema per file) when DATABASE_URL=postgres://… is set.
 */
export default {
  displayName: 'api-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/src/support/global-setup.ts',
  testTimeout: 60_000,
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: '<rootDir>/tsconfig.json',
        // The same OpenAPI plugin as the webpack build, so /docs is the same under test.
        astTransformers: {
          before: [
            {
              path: '<rootDir>/../../tools/jest/swagger-transformer.js',
              options: {
                classValidatorShim: true,
                introspectComments: true,
                dtoFileNameSuffix: ['.dto.ts'],
              },
            },
          ],
        },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/apps/api-e2e',
};
