import {
  CST,
  Lexer,
  LineCounter,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isScalar,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import type { Issue } from '../../schemas/errors';

/** Deepest nesting of collections (maps and lists) a definition may have. */
export const MAX_DEFINITION_DEPTH = 64;

/**
 * Aliases a definition may expand, as the `yaml` package counts them (`maxAliasCount` of
 * `toJS`: uses of an anchor times the aliases inside it), which stops "billion laughs" bombs.
 */
export const MAX_ALIAS_COUNT = 100;

/** Alias nodes (`*name`) a definition may hold: `toJS` resolves each by a scan of the document. */
export const MAX_ALIASES = 1000;

type Parsed = { value: unknown } | { issues: Issue[] };

const at = (line: number, col?: number) => (col === undefined ? `line ${line}` : `line ${line}, column ${col}`);

/**
 * Reads a definition's text. YAML 1.2 is a superset of JSON, so one parser (the `yaml` package,
 * https://eemeli.org/yaml/) reads both. Hostile text is refused with its line, never thrown:
 * syntax errors, duplicate keys, nesting deeper than {@link MAX_DEFINITION_DEPTH}, aliases without an anchor or
 * inside their own anchor (a recursive structure), more than {@link MAX_ALIASES} aliases, and alias
 * bombs (over {@link MAX_ALIAS_COUNT}).
 * @returns the parsed value, or issues located as `line 3, column 5`.
 */
export function parseDefinitionText(text: string): Parsed {
  const flat = shallowNesting(text);
  if (flat) return { issues: [flat] };
  const lineCounter = new LineCounter();
  // Duplicate keys are found by structureIssues: the parser's own check is quadratic in a map's size.
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((err) => {
        const pos = err.linePos?.[0];
        return { path: pos ? at(pos.line, pos.col) : '(document)', message: err.message.split('\n')[0] ?? err.message };
      }),
    };
  }
  const where = (node: Node | null | undefined) => {
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return at(pos.line, pos.col);
  };
  const { issues, aliases } = structureIssues(doc, where);
  if (issues.length) return { issues };
  const converted = toValue(doc, aliases);
  if ('value' in converted) return converted;
  const alias = converted.refused;
  return {
    issues: [
      {
        path: alias ? where(alias) : '(document)',
        message: `${alias ? `alias *${alias.source}: ` : ''}too many aliased nodes (more than ${MAX_ALIAS_COUNT})`,
      },
    ],
  };
}

/**
 * Refuses flow collections nested deeper than {@link MAX_DEFINITION_DEPTH} (`[[[[…`) and as many
 * compact block entries on one line (`- - - …`) before the parser sees them: its cost grows
 * faster than the text there, and a deep enough bomb exhausts the stack. Reads the `yaml`
 * package's own lexer, so brackets inside quoted text do not count.
 */
function shallowNesting(text: string): Issue | null {
  let line = 1;
  let flow = 0;
  let compact = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const type = CST.tokenType(lexeme);
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow = Math.max(0, flow - 1);
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind') compact++;
    if (flow > MAX_DEFINITION_DEPTH || compact > MAX_DEFINITION_DEPTH) {
      return { path: at(line), message: `nested deeper than ${MAX_DEFINITION_DEPTH} levels` };
    }
    for (let i = lexeme.indexOf('\n'); i >= 0; i = lexeme.indexOf('\n', i + 1)) {
      line++;
      compact = 0;
    }
  }
  return null;
}

/**
 * Walks the parsed document once: collections nested too deep, duplicate keys of a map (YAML 1.2
 * §3.2.1.1; keys compared by their scalar value, in linear time), aliases whose anchor is not
 * defined before them, and aliases inside the node they name (YAML allows such cycles; a
 * definition is a tree). An alias names the last anchor of that name before it, as in `yaml`.
 * @returns the issues, and every alias in document order.
 */
function structureIssues(
  doc: Document,
  where: (node: Node | null | undefined) => string,
): { issues: Issue[]; aliases: Alias[] } {
  const issues: Issue[] = [];
  const aliases: Alias[] = [];
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_key, node, path) {
      if (isCollection(node) && path.filter(isCollection).length >= MAX_DEFINITION_DEPTH) {
        issues.push({ path: where(node), message: `nested deeper than ${MAX_DEFINITION_DEPTH} levels` });
        return visit.BREAK;
      }
      if (isMap(node)) {
        const keys = new Set<unknown>();
        for (const { key } of node.items) {
          const value = isScalar(key) ? key.value : key;
          if (keys.has(value))
            issues.push({ path: where(key as Node | null), message: `duplicate key '${String(value).slice(0, 100)}'` });
          keys.add(value);
        }
      }
      if (isAlias(node)) {
        aliases.push(node);
        if (aliases.length > MAX_ALIASES) {
          issues.push({ path: where(node), message: `more than ${MAX_ALIASES} aliases` });
          return visit.BREAK;
        }
        const source = anchors.get(node.source);
        if (!source)
          issues.push({ path: where(node), message: `alias *${node.source} has no anchor &${node.source} before it` });
        else if (path.includes(source))
          issues.push({
            path: where(node),
            message: `alias *${node.source} is inside the node it names (a recursive structure)`,
          });
      } else if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
      return undefined;
    },
  });
  return { issues, aliases };
}

/**
 * Converts the document with the `yaml` package's own alias limit ({@link MAX_ALIAS_COUNT}) and
 * says which alias it refused: each alias node of this freshly parsed document is wrapped to
 * note that its conversion is under way (the library resolves an alias in `Alias#toJSON`).
 * @throws whatever `toJS` throws other than its alias-limit `ReferenceError`.
 */
function toValue(doc: Document, aliases: Alias[]): { value: unknown } | { refused: Alias | undefined } {
  let current: Alias | undefined;
  for (const alias of aliases) {
    const convert = alias.toJSON.bind(alias);
    alias.toJSON = (arg, ctx) => {
      const outer = current;
      current = alias;
      const value = convert(arg, ctx);
      current = outer;
      return value;
    };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    return { refused: current };
  }
}
