// The console's UI: Preact + TypeScript, bundled by Vite into content-hashed files, one chunk per
// screen (the router's dynamic imports), so the links table loads without the chart library.
// `npm run build` (scripts/build-console.mjs) runs this config and then writes the precompressed
// variants and manifest the console worker serves, with the same step as the SPA's.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const outDir = fileURLToPath(new URL('../../../build/console-ui', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    // The worker's CSP allows no inline script: keep every module a file of its own.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/[name].[hash].js',
        chunkFileNames: 'assets/[name].[hash].js',
        assetFileNames: 'assets/[name].[hash][extname]',
      },
    },
    reportCompressedSize: false,
  },
});
