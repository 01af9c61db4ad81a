/** Markdown files are bundled as their text (wrangler.toml: `[[rules]] type = "Text"`). */
declare module "*.md" {
  const text: string;
  export default text;
}
