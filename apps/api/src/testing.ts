/**
 * What the API e2e suite may use to boot the real application in-process. The one import of
 * this app allowed from outside it (see `allow` in eslint.config.mjs).
 */
export { createApp, BODY_LIMIT_BYTES, type RegisteredRoute } from './app/create-app';
export { loadConfig, ConfigError } from './app/config/load-config';
export { AppConfig } from './app/config/app-config';
export { Clock } from './app/common/time/clock';
export { MASTER_USER_ID } from './app/common/auth/principal';
export { KeyInvalidationBus } from './app/keys/key-cache';
export { ClusterBus } from './app/cluster/cluster-bus';
export { RedisClusterBus } from './app/cluster/redis-cluster-bus';
export { RedisLink } from './app/cluster/redis-link';
export { LoginThrottle } from './app/auth/login-throttle';
export { isConsoleRoute } from './app/console/console';
// e2e tests override who calls and flush spend deterministically.
export { CallerResolver } from './app/gateway/admission/caller-resolver';
export type { GatewayCaller } from './app/gateway/admission/gateway-caller';
export { limitsFor, type Limits } from './app/gateway/admission/limits';
export { SpendWriter } from './app/spend/spend-writer';
export { KeyAuthenticator } from './app/keys/key-authenticator';
export { effectiveModels } from './app/gateway/admission/model-access';
export { GatewayService } from './app/gateway/gateway.service';
// The audit suite runs the retention purge on demand.
export { AuditService } from './app/audit/audit.service';
export { Router } from './app/gateway/router/router';
