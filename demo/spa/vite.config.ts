// The demo SPA build: plain TypeScript + DOM, bundled by Vite into content-hashed files that the
// `assets` worker serves as immutable. `npm run build` (scripts/build.mjs) runs this config and then
// writes the precompressed variants; run Vite directly only to look at the app (`npx vite demo/spa`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const outDir = fileURLToPath(new URL('../../build/spa', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // VITE_FEED_ORIGIN (read from the environment by Vite) is the feed worker's origin; scripts/build.mjs
  // sets it to http://localhost:8791 unless given, and an empty value means "same origin".
  envPrefix: 'VITE_',
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    // Every file under assets/ carries a content hash: the worker marks exactly those immutable.
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/[name].[hash].js',
        chunkFileNames: 'assets/[name].[hash].js',
        assetFileNames: 'assets/[name].[hash][extname]',
      },
    },
    // The assets worker sends precompressed files; Vite's own size report would be noise here.
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
});
