// Problems found in a manifest, each tied to the field it is about and, through the YAML
// document's source ranges, to a line number (`line 12: spec.components[0].type: ...`), with a
// "did you mean" where a near spelling exists. Pure: the text is already read.
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { nearest } from '../host/links/link-input.js';

export interface ManifestProblem {
  /** Field path as text: `spec.components[0].traits[1].type`, or `top level`. */
  where: string;
  what: string;
  /** 1-based line of the field (or of its nearest enclosing field that exists). */
  line?: number;
}

/** A parsed YAML text that can say which line a field path is on. */
export class LocatedYaml {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: true, uniqueKeys: true });
  }

  /** Line of `where`, walking back to the nearest existing parent (a missing field is reported on its parent's line). */
  lineOf(where: string): number | undefined {
    const path = splitPath(where);
    for (let n = path.length; n > 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    const root = this.doc.contents;
    return isNode(root) && root.range ? this.lines.linePos(root.range[0]).line : undefined;
  }

  /** YAML syntax errors with their lines (the `yaml` package puts the position in the message). */
  syntaxErrors(): string[] {
    return this.doc.errors.map((e) => e.message.split('\n')[0]!);
  }
}

/** `spec.components[0].traits` -> ['spec', 'components', 0, 'traits']. */
export function splitPath(where: string): (string | number)[] {
  if (where === 'top level') return [];
  const out: (string | number)[] = [];
  for (const part of where.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) { out.push(part); continue; }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export class Problems {
  readonly list: ManifestProblem[] = [];
  /** Things that deploy anyway but are probably not what was meant. */
  readonly warnings: ManifestProblem[] = [];

  add(where: string, what: string): void {
    this.list.push({ where, what });
  }

  warn(where: string, what: string): void {
    this.warnings.push({ where, what });
  }

  /** Fields not in `allowed`, each with a suggestion when one is close. */
  checkKeys(where: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (allowed.includes(k)) continue;
      const near = nearest(k, allowed);
      this.add(where === 'top level' ? k : `${where}.${k}`,
        `unknown field "${k}"${near ? `; did you mean "${near}"?` : ''} (allowed: ${allowed.join(', ')})`);
    }
  }

  /** Fill in line numbers from the document. */
  locate(yaml: LocatedYaml): void {
    for (const p of [...this.list, ...this.warnings]) p.line ??= yaml.lineOf(p.where);
  }
}

export function formatProblem(p: ManifestProblem): string {
  return `${p.line !== undefined ? `line ${p.line}: ` : ''}${p.where === 'top level' ? '' : `${p.where}: `}${p.what}`;
}
