import { UsersAndSessions1764200000000 } from './1764200000000-users-and-sessions';
import { InvitationsAndTeams1764300000000 } from './1764300000000-invitations-and-teams';
import { Keys1764400000000 } from './1764400000000-keys';
import { ModelsAndSpend1764500000000 } from './1764500000000-models-and-spend';
import { SessionMasterKey1764600000000 } from './1764600000000-session-master-key';
import { KeyTypes1764700000000 } from './1764700000000-key-types';
import { Identity1764720000000 } from './1764720000000-identity';
import { SpendLogsTeamIndex1764800000000 } from './1764800000000-spend-logs-team-index';

/** Every migration, in order. Listed by hand: the API is bundled, so no glob can find them. */
export const MIGRATIONS = [
  UsersAndSessions1764200000000,
  InvitationsAndTeams1764300000000,
  Keys1764400000000,
  ModelsAndSpend1764500000000,
  SessionMasterKey1764600000000,
  KeyTypes1764700000000,
  Identity1764720000000,
  SpendLogsTeamIndex1764800000000,
];
