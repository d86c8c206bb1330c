import { UsersAndSessions1764200000000 } from './1764200000000-users-and-sessions';
// Issue 5 (gateway, models, spend):
import { ModelsAndSpend1764500000000 } from './1764500000000-models-and-spend';

/** Every migration, in order. Listed by hand: the API is bundled, so no glob can find them. */
export const MIGRATIONS = [
  UsersAndSessions1764200000000,
  ModelsAndSpend1764500000000, // issue 5
];
