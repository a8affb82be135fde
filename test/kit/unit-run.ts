/**
 * `npm run test:unit` (scripts/run-tests.mjs --unit) sets LATTICE_TEST_UNIT=1: unit tests start
 * no servers, so a test that does is in the wrong place and fails with that reason rather than
 * making the fast run slow.
 */
export function refuseInUnitRun(what: string): void {
  if (process.env.LATTICE_TEST_UNIT === '1') {
    throw new Error(`${what} started in a unit test run: tests that need one belong under test/ (README, "Development")`);
  }
}
