/** Vite's raw imports: a fixture's text byte for byte (webhook bodies must not be re-serialised). */
declare module '*?raw' {
  const text: string;
  export default text;
}

/** Vite's `import.meta.glob` (https://vite.dev/guide/features#glob-import), typed for the tests. */
interface ImportMeta {
  glob<T>(pattern: string, options: { query: '?raw'; import: 'default'; eager: true }): Record<string, T>;
}
