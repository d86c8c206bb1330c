import { defineConfig, devices } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

/** A free port, found once in the main process; workers inherit it through the environment. */
function freePort(): string {
  return execFileSync(
    process.execPath,
    [
      '-e',
      "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});",
    ],
    { encoding: 'utf8' },
  ).trim();
}

process.env['ADMIN_E2E_PORT'] ??= freePort();
process.env['ADMIN_E2E_DIR'] ??= mkdtempSync(join(tmpdir(), 'gatehouse-admin-e2e-'));
process.env['ADMIN_E2E_MASTER_KEY'] ??= 'sk-admin-e2e-master-key-0123456789';
/** The settings spec runs a real SMTP server here; mail sent while it is down just fails. */
process.env['ADMIN_E2E_SMTP_PORT'] ??= freePort();

const port = process.env['ADMIN_E2E_PORT'];
const baseURL = `http://127.0.0.1:${port}`;
/** Somewhere checkable on the same server: logout must land exactly here. */
process.env['ADMIN_E2E_LOGOUT_URL'] ??= `${baseURL}/health/liveliness?logged_out=1`;

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: './src',
  outputDir: join(root, 'dist/admin-e2e/test-results'),
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    ['html', { outputFolder: join(root, 'dist/admin-e2e/report'), open: 'never' }],
    // Read by tools/scripts/test-summary.js for the pipeline's closing line.
    ['json', { outputFile: join(root, 'dist/test-results/playwright.json') }],
  ],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    timezoneId: 'UTC',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
          args: CHROMIUM_FLAGS,
        },
      },
    },
  ],
  webServer: {
    command: 'node dist/apps/api/main.js',
    cwd: root,
    url: `${baseURL}/health/readiness`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: port,
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(process.env['ADMIN_E2E_DIR'], 'db.sqlite')}`,
      PROXY_MASTER_KEY: process.env['ADMIN_E2E_MASTER_KEY'],
      PROXY_LOGOUT_URL: process.env['ADMIN_E2E_LOGOUT_URL'],
      PROXY_BASE_URL: baseURL,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: process.env['ADMIN_E2E_SMTP_PORT'],
      SMTP_SENDER_EMAIL: 'gatehouse@example.test',
      SMTP_TLS: 'false',
      // The walkthrough waits for the spend writer: flush often so the wait stays short.
      SPEND_FLUSH_INTERVAL_MS: '200',
      TZ: 'UTC',
    },
  },
});
