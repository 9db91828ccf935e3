/**
 * Stand-in for Node's `module` in the Worker bundle (wrangler.toml `[alias]`). email-reply-parser
 * calls `createRequire(import.meta.url)` only to try the optional native `re2` package, and falls
 * back to RegExp when that `require` throws; in a bundled Worker `import.meta.url` is undefined, so
 * the real `createRequire` would throw at startup instead.
 */
export function createRequire(): (id: string) => never {
  return (id: string) => {
    throw new Error(`require('${id}') is not available in a Worker`);
  };
}
