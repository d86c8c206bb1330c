const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

// Everything in node_modules stays external (better-sqlite3 and pg are loaded by TypeORM at
// run time); the OpenAPI plugin reads the class-validator decorators of the shared DTOs.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/api') },
  devtool: 'source-map',
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: true,
      // The spend writer's SQLite thread runs this file as it is (spend/spend-store.ts).
      assets: [{ input: './src/app/spend', glob: 'spend-sqlite.worker.js', output: '.' }],
      transformers: [
        {
          name: '@nestjs/swagger/plugin',
          options: {
            classValidatorShim: true,
            introspectComments: true,
            dtoFileNameSuffix: ['.dto.ts'],
          },
        },
      ],
    }),
  ],
};
