/**
 * Boots the real AppModule in-process on a fresh database per test file: SQLite by default,
 * PostgreSQL (a fresh schema per file) when DATABASE_URL=postgres://… is set.
 */

/** ESM-only packages (SSO): Jest on Node 20 cannot require them, so ts-jest turns them to CJS. */
const esmOnly = ['openid-client', 'oauth4webapi', 'jose', 'oidc-provider'];
const esmToCjs = [
  'ts-jest',
  { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', target: 'es2022' } },
];

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
    '^.+\\.m?js$': esmToCjs,
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/apps/api-e2e',
};
