// Adapts @nestjs/swagger's compiler plugin to ts-jest's AST-transformer contract, so the API
// under test documents the shared DTOs exactly as the webpack build does.
const { before } = require('@nestjs/swagger/plugin');

module.exports = {
  name: 'nestjs-swagger-plugin',
  version: 1,
  factory: (tsCompiler, options) => before(options, tsCompiler.program),
};
