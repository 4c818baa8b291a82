import { defineConfig } from "vitest/config";

// The API runs on FastAPI (default http://localhost:8000); in dev, Vite proxies /api to it.
const apiTarget = process.env.SEGLOOP_API ?? "http://localhost:8000";

export default defineConfig({
  base: "/",
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "../backend/static",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
  },
  server: {
    proxy: { "/api": { target: apiTarget, changeOrigin: true } },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
