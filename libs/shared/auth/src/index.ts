export * from './lib/roles';
export * from './lib/permissions';
export * from './lib/sso-errors';
