// Node-side projects (bench, Node tests) import some worker modules that use workerd's
// extension to Web Crypto; declare it so the root project type-checks them. At run time those
// modules only call it inside workerd.
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
