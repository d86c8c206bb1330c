export * from './lib/roles';
export * from './lib/permissions';
export * from './lib/key-types';
export * from './lib/sso-errors';
