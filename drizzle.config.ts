import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: [
    "./workers/db/schema.ts",
    "./workers/db/services.schema.ts",
    "./workers/db/passports.schema.ts",
    "./workers/db/held-requests.schema.ts",
    "./workers/db/chain-schema.ts",
    "./workers/db/sso.schema.ts",
    "./workers/db/cli-logins.schema.ts",
    "./workers/db/oauth.schema.ts",
  ],
  out: "./migrations",
});
