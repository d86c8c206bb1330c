export * from './lib/common.dto';
export * from './lib/auth.dto';
export * from './lib/users.dto';
export * from './lib/models.dto';
export * from './lib/spend.dto';
