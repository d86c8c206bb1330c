import { UsersAndSessions1764200000000 } from './1764200000000-users-and-sessions';
import { InvitationsAndTeams1764300000000 } from './1764300000000-invitations-and-teams';
import { Keys1764400000000 } from './1764400000000-keys';
import { ModelsAndSpend1764500000000 } from './1764500000000-models-and-spend';
import { SessionMasterKey1764600000000 } from './1764600000000-session-master-key';
import { KeyTypes1764700000000 } from './1764700000000-key-types';
import { Identity1764720000000 } from './1764720000000-identity';
import { AuditLogs1764800000000 } from './1764800000000-audit-logs';
import { SpendJournal1764810000000 } from './1764810000000-spend-journal';
import { SpendLogRouting1764820000000 } from './1764820000000-spend-log-routing';
import { ModelProviderParams1764830000000 } from './1764830000000-model-provider-params';
import { SpendLogsTeamIndex1764840000000 } from './1764840000000-spend-logs-team-index';
import { AuditListIndexes1764850000000 } from './1764850000000-audit-list-indexes';
import { KeyListSortIndexes1764860000000 } from './1764860000000-key-list-sort-indexes';

/** Every migration, in order. Listed by hand: the API is bundled, so no glob can find them. */
export const MIGRATIONS = [
  UsersAndSessions1764200000000,
  InvitationsAndTeams1764300000000,
  Keys1764400000000,
  ModelsAndSpend1764500000000,
  SessionMasterKey1764600000000,
  KeyTypes1764700000000,
  Identity1764720000000,
  AuditLogs1764800000000,
  SpendJournal1764810000000,
  SpendLogRouting1764820000000,
  ModelProviderParams1764830000000,
  SpendLogsTeamIndex1764840000000,
  AuditListIndexes1764850000000,
  KeyListSortIndexes1764860000000,
];
