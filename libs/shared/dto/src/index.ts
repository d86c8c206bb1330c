export * from './lib/common.dto';
export * from './lib/auth.dto';
export * from './lib/users.dto';
