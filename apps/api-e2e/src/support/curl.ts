import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs a shell command (a curl from the product page) with the real curl binary, in a
 * scratch folder so that whatever it writes (`-D` dumps headers to a file) is thrown away.
 */
export function runShell(
  command: string,
  prepare: (cwd: string) => void = () => undefined,
): Promise<{ stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-curl-'));
  prepare(cwd);
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', command], { cwd, timeout: 20_000 }, (error, stdout, stderr) => {
      rmSync(cwd, { recursive: true, force: true });
      if (error) reject(new Error(`${command}\nfailed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Fills the product page's placeholders. */
export function fill(command: string, values: Record<string, string>): string {
  return Object.entries(values).reduce(
    (text, [name, value]) => text.split(name).join(value),
    command,
  );
}
