import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/** A console session. The cookie holds a random secret; the row holds only its SHA-256. */
@Entity('sessions')
export class SessionEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  id!: string;

  /** The user, or `admin` for a master-key login. */
  @Index('IDX_sessions_user_id')
  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'is_master', type: 'boolean', default: false })
  isMaster!: boolean;

  /** For master-key sessions: which master key opened it (a rotated key ends the session). */
  @Column({ name: 'master_key_fingerprint', type: 'varchar', length: 64, nullable: true })
  masterKeyFingerprint!: string | null;

  /** The double-submit token echoed in X-XSRF-TOKEN by cookie-authenticated mutations. */
  @Column({ name: 'csrf_token', type: 'varchar', length: 64 })
  csrfToken!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;
}
