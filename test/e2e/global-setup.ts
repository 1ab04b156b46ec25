/**
 * The demo stack for the e2e project: `npm start` with the demo SPA (whatever SPA_DIST says: these
 * tests are written against the demo; test/e2e-spa runs a stack with SPA_DIST), on fresh state.
 */
import { startStack } from '../support/stack.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const stack = await startStack({ SPA_DIST: undefined });
  return async function teardown() {
    await stack.stop();
  };
}
