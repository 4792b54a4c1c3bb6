/// <reference types="vitest/config" />
// Vite + vitest config for the Coffer web front end. The app loads the
// built files from ui/dist (tauri.conf.json `frontendDist`) and, in
// development, the dev server on :5173 (`devUrl`).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import optimizeLocales from "@react-aria/optimize-locales-plugin";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  // The UI speaks English: keep React Aria's English strings (labels such as
  // "Previous month" for screen readers), drop its other ~30 languages.
  plugins: [react(), optimizeLocales.vite({ locales: ["en"] })],
  // Tauri serves the files itself; relative URLs keep it simple.
  base: "./",
  clearScreen: false,
  envPrefix: ["VITE_"],
  server: {
    port: 5173,
    strictPort: true,
    host: "localhost",
  },
  preview: {
    port: 4173,
    strictPort: true,
    // The app's CSP (tauri.conf.json), so `vite preview` shows what it blocks.
    headers: {
      "Content-Security-Policy":
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'",
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // The CSP forbids inline code, so never inline assets as data: scripts.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    root,
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    restoreMocks: true,
    // Component tests click through whole flows; on a busy 2-core machine
    // (a cargo build alongside) the 5 s default times them out.
    testTimeout: 20_000,
  },
});
