/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the feed worker, e.g. http://localhost:8791; empty means same origin. */
  readonly VITE_FEED_ORIGIN?: string;
  /** Origin of the demo token issuer, e.g. http://localhost:8793; empty means no sign-in. */
  readonly VITE_AUTH_ORIGIN?: string;
}

interface Window {
  /** Prerender convention: false while the route renders, true once its content is in the DOM. */
  prerenderReady: boolean;
}
