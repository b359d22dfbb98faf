// The portal's build: Preact pages bundled by Vite into dist/, which the gateway serves at /portal/.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/portal/',
  plugins: [preact()],
  // Everything the page loads comes from the gateway: no inlined assets (the CSP allows 'self' only), no CDN.
  build: { outDir: 'dist', emptyOutDir: true, assetsInlineLimit: 0, modulePreload: { polyfill: false } },
});
