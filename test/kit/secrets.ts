import { randomBytes } from 'node:crypto';

/**
 * The secrets key of every test host (in-process and child processes) of one test process, so
 * tests never read the developer's ~/.lattice/secrets.key nor depend on one being there.
 */
export const TEST_SECRETS_KEY = randomBytes(32);
export const TEST_SECRETS_KEY_ENV = { LATTICE_SECRETS_KEY: TEST_SECRETS_KEY.toString('base64'), LATTICE_SECRETS_KEY_FILE: undefined };
