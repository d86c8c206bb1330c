import { AuditLogEntity } from '../audit/audit-log.entity';
import { PasswordResetTokenEntity } from '../auth/passwords/password-reset-token.entity';
import { SessionEntity } from '../auth/session.entity';
import { InvitationEntity } from '../invitations/invitation.entity';
import { DeletedKeyEntity, KeyEntity } from '../keys/key.entity';
import { TeamEntity, TeamMemberEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';
import { ModelEntity } from '../models/model.entity';
import { DailySpendEntity } from '../spend/daily-spend.entity';
import { SpendLogEntity } from '../spend/spend-log.entity';

/** Every entity; each module also registers its own with TypeOrmModule.forFeature. */
export const ENTITIES = [
  UserEntity,
  SessionEntity,
  InvitationEntity,
  TeamEntity,
  TeamMemberEntity,
  KeyEntity,
  DeletedKeyEntity,
  ModelEntity,
  SpendLogEntity,
  DailySpendEntity,
  PasswordResetTokenEntity,
  AuditLogEntity,
];
