import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding package.json: the same answer from src/ (tsx) and from dist/ (compiled). */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = projectRoot(__dirname);
export const LOCALES_DIR = join(PROJECT_ROOT, 'locales');
/** Static pages, styles and scripts (not compiled: served as they are). */
export const WEB_DIR = join(PROJECT_ROOT, 'src', 'web');
export const DEMO_ACCOUNTS_FILE = join(PROJECT_ROOT, 'src', 'recovery', 'demo-accounts.json');
