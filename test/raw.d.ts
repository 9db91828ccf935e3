/** Vite's raw imports: a fixture's text byte for byte (webhook bodies must not be re-serialised). */
declare module '*?raw' {
  const text: string;
  export default text;
}
