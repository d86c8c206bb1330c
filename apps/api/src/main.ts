// TypeORM loads its driver at run time; importing it here keeps it a dependency of the bundle.
import 'better-sqlite3';
import { createApp } from './app/create-app';
import { ConfigError, loadConfig } from './app/config/load-config';
import type { AppConfig } from './app/config/app-config';

function configOrExit(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`gatehouse: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  if (config.masterKeySource === 'generated') {
    const where = config.masterKeyFile
      ? ` (saved to ${config.masterKeyFile})`
      : ' (not saved: in-memory database)';
    process.stdout.write(`gatehouse: generated PROXY_MASTER_KEY=${config.masterKey}${where}\n`);
  }
  const { app } = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(
    `gatehouse: listening on ${config.baseUrl} (database: ${config.database.type})\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `gatehouse: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
