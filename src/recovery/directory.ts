import type { Config } from '../config';
import { DemoDirectory } from './demoDirectory';
import { HttpDirectory } from './httpDirectory';
import type { AccountDirectory } from './types';

export { DemoDirectory, loadDemoData } from './demoDirectory';
export { HttpDirectory } from './httpDirectory';

type DirectoryConfig = Pick<
  Config,
  'DIRECTORY' | 'DEMO_ACCOUNTS_FILE' | 'DIRECTORY_URL' | 'DIRECTORY_TOKEN' | 'DIRECTORY_TIMEOUT_MS' | 'SERVER_SECRET'
>;

/** The account directory the configuration asks for: the demo file (default) or the operator's API. */
export function createDirectory(config: DirectoryConfig): AccountDirectory {
  if (config.DIRECTORY === 'http') {
    // The config schema already refuses DIRECTORY=http without a URL; this keeps the type honest.
    if (!config.DIRECTORY_URL) throw new Error('DIRECTORY_URL is required when DIRECTORY=http');
    return new HttpDirectory({
      baseUrl: config.DIRECTORY_URL,
      token: config.DIRECTORY_TOKEN,
      timeoutMs: config.DIRECTORY_TIMEOUT_MS,
    });
  }
  return DemoDirectory.fromFile(config.DEMO_ACCOUNTS_FILE, config.SERVER_SECRET);
}
