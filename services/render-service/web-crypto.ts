/**
 * The renderer's token check (shared/http/auth.ts) compares hashes with `crypto.subtle.timingSafeEqual`,
 * workerd's extension to Web Crypto. Node's Web Crypto lacks it; node:crypto has the same
 * constant-time comparison, so the service adds it before the app is loaded.
 */
import { timingSafeEqual } from 'node:crypto';

type Bytes = ArrayBuffer | ArrayBufferView;
const view = (bytes: Bytes) =>
  ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);

if (typeof crypto.subtle.timingSafeEqual !== 'function') {
  Object.defineProperty(crypto.subtle, 'timingSafeEqual', {
    value: function timingSafeEqualOnNode(a: Bytes, b: Bytes): boolean {
      // workerd throws on different lengths too; the callers compare two SHA-256 digests.
      if (a.byteLength !== b.byteLength) throw new TypeError('timingSafeEqual: inputs must have the same length');
      return timingSafeEqual(view(a), view(b));
    },
  });
}
