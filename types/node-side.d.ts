// Node-side projects (bench, Node tests) import some worker modules that use workerd's
// extension to Web Crypto; declare it so the root project type-checks them. At run time those
// modules only call it inside workerd.
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}

// The render service (services/render-service) type-checks the renderer worker's modules on Node,
// which pulls in the worker's entry: the runtime's handler type, as much of it as the entry uses.
interface ExportedHandler<Env = unknown> {
  fetch?: (request: Request, env: Env, ctx: never) => Response | Promise<Response>;
}
