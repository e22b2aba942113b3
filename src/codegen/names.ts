// Naming helpers shared by the generators.

/** `Increment` -> `increment`, `GenerateGuid` -> `generateGuid`. */
export function lowerFirst(s: string): string {
  return s.length ? s[0].toLowerCase() + s.slice(1) : s;
}

/** Renders a doc string as a JSDoc block at the given indent (empty if no doc). */
export function jsdoc(doc: string | undefined, indent = ''): string {
  if (!doc) return '';
  const lines = doc.split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0].replace(/\*\//g, '*\\/')} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l.replace(/\*\//g, '*\\/')}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

/** Base file name of an interface: `interfaces/keyvalue.smithy` -> `keyvalue`. */
export function moduleName(source: string): string {
  const base = source.replace(/\\/g, '/').split('/').pop() ?? source;
  return base.replace(/\.smithy$/, '').replace(/[^A-Za-z0-9_]/g, '_');
}
