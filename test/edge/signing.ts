/**
 * Test agents that sign requests the way Web Bot Auth agents do (Cloudflare's `web-bot-auth` and
 * `http-message-sig`, the libraries the edge verifies with), and the key directories they publish,
 * served through `mockNetwork()`.
 */
import { signatureHeaders as httpSignatureHeaders, type Component } from 'http-message-sig';
import { signatureHeaders, generateNonce } from 'web-bot-auth';
import { Ed25519Signer } from 'web-bot-auth/crypto';
import type { MockNetwork } from '../support/network.ts';

export const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory';

export interface Agent {
  signer: Ed25519Signer;
  publicJwk: JsonWebKey;
  /** The agent's origin, as its Signature-Agent header names it. */
  origin: string;
}

export async function newAgent(origin: string): Promise<Agent> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  const signer = await Ed25519Signer.fromJWK(jwk);
  return { signer, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, origin };
}

/** Serves `agents`' public keys as the directory of `origin` (a JWKS), with `cacheControl`. */
export function serveDirectory(network: MockNetwork, origin: string, agents: readonly Agent[], cacheControl = 'max-age=86400'): void {
  network.on('GET', `${origin}${DIRECTORY_PATH}`, () =>
    Response.json(
      { keys: agents.map((a) => a.publicJwk) },
      { headers: { 'Content-Type': 'application/http-message-signatures-directory+json', 'Cache-Control': cacheControl } },
    ),
  );
}

export interface SignOptions {
  /** Seconds from now. */
  createdIn?: number;
  expiresIn?: number;
  /** null: no nonce (a signature that may be sent again). */
  nonce?: string | null;
  /** Covered components; default `@authority` and `signature-agent` (web-bot-auth's). */
  components?: Component[];
  tag?: string;
  /** The Signature-Agent header as sent; default the agent's origin as an RFC 8941 string. */
  signatureAgent?: string | null;
  /** Sign with this agent's key but claim `keyid` (a wrong keyid). */
  keyid?: string;
}

/** Headers of a request to `url` signed by `agent`. */
export async function signedHeaders(url: string, agent: Agent, options: SignOptions = {}): Promise<Record<string, string>> {
  const now = Date.now();
  const agentHeader = options.signatureAgent === undefined ? `"${agent.origin}"` : options.signatureAgent;
  const headers: Record<string, string> = agentHeader === null ? {} : { 'Signature-Agent': agentHeader };
  const created = new Date(now + (options.createdIn ?? 0) * 1000);
  const expires = new Date(now + (options.expiresIn ?? 60) * 1000);
  const message = { method: 'GET', url, headers };
  const nonce = options.nonce === undefined ? generateNonce() : options.nonce;
  // web-bot-auth's own signer always adds a nonce: a signature without one is built by http-message-sig.
  const plain =
    options.components === undefined && options.tag === undefined && options.keyid === undefined && agentHeader !== null && nonce !== null;
  const signed = plain
    ? await signatureHeaders(message, agent.signer, { created, expires, ...(nonce === null ? {} : { nonce }) })
    : await httpSignatureHeaders(message, {
        signer: options.keyid ? { ...agent.signer, keyid: options.keyid, sign: (data: string) => agent.signer.sign(data) } : agent.signer,
        components: options.components ?? ['@authority', 'signature-agent'],
        created,
        expires,
        tag: options.tag ?? 'web-bot-auth',
        ...(nonce === null ? {} : { nonce }),
      });
  return { ...headers, ...signed };
}
