import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/adapter/cloudflare/d1/schema.ts',
  out: './migrations',
});
