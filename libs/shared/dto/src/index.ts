export * from './lib/common.dto';
export * from './lib/auth.dto';
export * from './lib/duration';
export * from './lib/users.dto';
export * from './lib/invitations.dto';
export * from './lib/teams.dto';
export * from './lib/keys.dto';
