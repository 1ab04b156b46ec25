/**
 * Per-isolate state as an object: caches, memos and local copies of shared state hang off one value
 * built from `env` the first time an isolate sees that `env`, then handed to the code that needs
 * it. workerd passes the same `env` object to every request of an isolate, so a `WeakMap` keyed by
 * it holds exactly one state per isolate; a test that wants a fresh isolate builds the state itself
 * (or passes a copy of `env`) instead of calling a reset hook.
 */
export function perIsolate<E extends object, S>(build: (env: E) => S): (env: E) => S {
  const states = new WeakMap<E, S>();
  return function stateOf(env: E): S {
    let state = states.get(env);
    if (state === undefined) {
      state = build(env);
      states.set(env, state);
    }
    return state;
  };
}
