// Regenerates src/api/schema.gen.ts (types) and src/api/defaults.gen.ts (field defaults) from
// the FastAPI app's OpenAPI schema, with no server: scripts/dump_openapi.py writes
// `create_app().openapi()` to a temporary JSON file and openapi-typescript turns it into types.
//
//   npm run gen:api        rewrite both files
//   npm run check:api      exit 1 (with a diff) when a committed file is stale
//
// Python: $PYTHON, else ../.venv/bin/python, else python3.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const apiDir = join(frontend, "src", "api");
const dumper = join(frontend, "scripts", "dump_openapi.py");
const venvPython = resolve(frontend, "..", ".venv", "bin", "python");
const python = process.env.PYTHON ?? (existsSync(venvPython) ? venvPython : "python3");
const check = process.argv.includes("--check");

const header = (what) => `// GENERATED FILE: do not edit. ${what}, from the backend's OpenAPI schema.
// Change the backend's schemas or routes, then regenerate with
//   make gen-api        (or: cd frontend && npm run gen:api)
// \`make lint\` fails while this file differs from what the backend generates.

`;

/** Each schema's field defaults (OpenAPI `default`), for forms that show what the server would use. */
function defaultsModule(schema) {
  const out = {};
  for (const [name, def] of Object.entries(schema.components?.schemas ?? {})) {
    const fields = Object.entries(def.properties ?? {}).filter(([, p]) => p && "default" in p);
    if (fields.length > 0) out[name] = Object.fromEntries(fields.map(([k, p]) => [k, p.default]));
  }
  return (
    header("Every schema's field defaults") +
    "/** Each schema's field defaults, as the backend declares them (OpenAPI `default`). */\n" +
    `export const SCHEMA_DEFAULTS = ${JSON.stringify(out, null, 2)} as const;\n`
  );
}

const tmp = mkdtempSync(join(tmpdir(), "segloop-api-"));
try {
  const schemaPath = join(tmp, "openapi.json");
  try {
    execFileSync(python, [dumper, schemaPath], { stdio: ["ignore", "inherit", "inherit"] });
  } catch {
    console.error(`gen-api: ${python} ${relative(process.cwd(), dumper)} failed (see above): the backend must import`);
    process.exit(2);
  }
  const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
  const ast = await openapiTS(schema, {
    // Request bodies may leave out fields that have a server default: keep those optional.
    defaultNonNullable: false,
  });
  const outputs = [
    { path: join(apiDir, "schema.gen.ts"), text: header("The API's types (openapi-typescript)") + astToString(ast) },
    { path: join(apiDir, "defaults.gen.ts"), text: defaultsModule(schema) },
  ];

  for (const { path, text } of outputs) {
    const shown = relative(process.cwd(), path) || path;
    if (!check) {
      writeFileSync(path, text);
      console.log(`wrote ${shown}`);
      continue;
    }
    const current = existsSync(path) ? readFileSync(path, "utf8") : "";
    if (current === text) {
      console.log(`${shown} is up to date with the backend's OpenAPI schema`);
      continue;
    }
    const fresh = join(tmp, basename(path));
    writeFileSync(fresh, text);
    const diff = spawnSync("diff", ["-u", "--label", shown, "--label", "regenerated", path, fresh], {
      encoding: "utf8",
    });
    if (diff.stdout) process.stdout.write(diff.stdout.split("\n").slice(0, 200).join("\n") + "\n");
    console.error(`${shown} is stale: the backend's OpenAPI schema changed. Run \`make gen-api\` and commit it.`);
    process.exitCode = 1;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
