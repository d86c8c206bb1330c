import type { Permission } from '@gatehouse/shared/auth';

/**
 * Every permission of the shared role map in plain words, for the profile page. A Record over
 * `Permission`, so a permission added to libs/shared/auth does not compile here until it is
 * described.
 */
export const PERMISSION_LABELS: Readonly<Record<Permission, string>> = {
  'user.create': 'Create users',
  'user.read.self': 'See your own account',
  'user.read.any': 'See every user',
  'user.update.self': 'Change your own password',
  'user.update.any': 'Change any user, including roles and budgets',
  'user.delete': 'Delete users',
  'invitation.create': 'Invite people',
  'invitation.read': 'See invitations',
  'invitation.update': 'Change invitations',
  'invitation.delete': 'Revoke invitations',
  'team.create': 'Create teams',
  'team.read.member': 'See the teams you belong to',
  'team.read.any': 'See every team',
  'team.update': 'Change teams and their members',
  'team.delete': 'Delete teams',
  'key.create.self': 'Create your own virtual keys',
  'key.read.self': 'See your own virtual keys',
  'key.read.any': 'See every virtual key',
  'key.update.self': 'Change your own virtual keys',
  'key.update.any': 'Change any virtual key',
  'key.delete.self': 'Delete your own virtual keys',
  'key.delete.any': 'Delete any virtual key',
  'spend.read.self': 'See your own usage and logs',
  'spend.read.any': 'See everyone’s usage and logs',
  'model.read': 'See the available models',
  'model.write': 'Add, change and remove models',
  'metrics.read': 'Read the metrics endpoint',
  'audit.read': 'Read the audit log of every change',
  'audit.verify': 'Verify the audit log has not been tampered with',
  'settings.read': 'See the server settings',
  'settings.test_email': 'Send a test email through the configured SMTP server',
  'gateway.call': 'Call models through the gateway with your keys',
};
