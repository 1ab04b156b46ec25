/**
 * Making KV fail or stall for one code's `LinkAuthority`, which writes KV itself. Same technique as
 * the older "failed KV write on create" test: a Proxy over the real `LINKS` binding whose `put`
 * rejects; only now it is put into the Durable Object's own env (the object runs in the test isolate,
 * so `runInDurableObject` can swap it), and the swap lasts until `restore()`.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import type { LinkAuthority } from '../../workers/shortener/src/authority.ts';

export type PutHook = (kv: KVNamespace, args: Parameters<KVNamespace['put']>) => Promise<void>;

/** A KV binding whose `put` goes through `hook`; everything else is the real binding. */
export function withPut(kv: KVNamespace, hook: PutHook): KVNamespace {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === 'put') return (...args: Parameters<KVNamespace['put']>) => hook(target, args);
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export const failingPut: PutHook = () => Promise.reject(new Error('KV unavailable'));

export function authorityOf(code: string): DurableObjectStub<LinkAuthority> {
  return env.LINK_AUTHORITY.get(env.LINK_AUTHORITY.idFromName(code));
}

type WithEnv = { env: ShortenerEnv };

/** Routes the KV puts of `code`'s authority through `hook` until the returned function is called. */
export async function hookAuthorityKv(code: string, hook: PutHook): Promise<() => Promise<void>> {
  const stub = authorityOf(code);
  let real: ShortenerEnv | undefined;
  await runInDurableObject(stub, (instance: LinkAuthority) => {
    const object = instance as unknown as WithEnv;
    real = object.env;
    const hooked = withPut(real.LINKS, hook);
    object.env = new Proxy(real, { get: (target, prop) => (prop === 'LINKS' ? hooked : Reflect.get(target, prop)) });
  });
  return async () => {
    await runInDurableObject(stub, (instance: LinkAuthority) => {
      if (real !== undefined) (instance as unknown as WithEnv).env = real;
    });
  };
}
