// The part of node:zlib these tests use. workerd implements node:zlib under nodejs_compat, but the
// generated runtime types (types/runtime.d.ts) do not declare Node modules, and @types/node would
// clash with them; this is the narrow declaration instead.
declare module 'node:zlib' {
  export function brotliDecompressSync(data: ArrayBufferView): Uint8Array;
  export function zstdDecompressSync(data: ArrayBufferView): Uint8Array;
  export function gunzipSync(data: ArrayBufferView): Uint8Array;
}
