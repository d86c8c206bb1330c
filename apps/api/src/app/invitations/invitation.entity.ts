import type { InvitationEmailStatus } from '@gatehouse/shared/dto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/** An onboarding link for one user: single use, expires (INVITATION_TTL_DAYS). */
@Entity('invitations')
export class InvitationEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 36 })
  id!: string;

  @Index('IDX_invitations_user_id')
  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'is_accepted', type: 'boolean' })
  isAccepted!: boolean;

  @TimestampColumn({ name: 'accepted_at', nullable: true })
  acceptedAt!: Date | null;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;

  /** null when no email was asked for. */
  @Column({ name: 'email_status', type: 'varchar', length: 16, nullable: true })
  emailStatus!: InvitationEmailStatus | null;

  @Column({ name: 'email_error', type: 'varchar', length: 1000, nullable: true })
  emailError!: string | null;

  @TimestampColumn({ name: 'emailed_at', nullable: true })
  emailedAt!: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 128, nullable: true })
  createdBy!: string | null;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 128, nullable: true })
  updatedBy!: string | null;
}
