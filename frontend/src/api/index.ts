/**
 * The API layer: `import { ... } from "./api"`.
 *
 * - schema.gen.ts: the backend's OpenAPI schema as types (generated: `make gen-api`)
 * - types.ts: the bodies under the app's names, and the enums' values as arrays
 * - http.ts: the transport (auth, 401 → sign in again → retry, XHR uploads, error bodies)
 * - client.ts: ApiClient, one method per endpoint
 * - errors.ts: ApiError, NetworkError, readable and per-field 422 details
 */

export * from "./client";
export * from "./errors";
export * from "./http";
export * from "./types";
export type { components, paths } from "./schema.gen";

/** The label value of "unlabelled"/"unsure" pixels (255: class ids go up to 254). */
export const IGNORE_INDEX = 255;
