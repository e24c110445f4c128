/**
 * A tiny, strict XML 1.0 well-formedness checker that also builds a tree, enough to assert on JUnit output
 * without an XML dependency. Throws on: characters XML forbids, unbalanced or mismatched tags, unquoted or
 * duplicate attributes, `<` or a bare `&` in text/attributes, unknown entities, content after the root.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`'<' in ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, ent: string) => {
    if (!m.endsWith(';')) throw new Error(`bare '&' in ${where}`);
    if (ent === 'amp') return '&';
    if (ent === 'lt') return '<';
    if (ent === 'gt') return '>';
    if (ent === 'quot') return '"';
    if (ent === 'apos') return "'";
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ent);
    if (!num) throw new Error(`unknown entity &${ent}; in ${where}`);
    const ch = String.fromCodePoint(num[1] ? parseInt(num[1], 16) : Number(num[2]));
    if (FORBIDDEN.test(ch)) throw new Error(`character reference to a forbidden character in ${where}`);
    return ch;
  });
}

export function parseXml(xml: string): XmlElement {
  const bad = FORBIDDEN.exec(xml);
  if (bad) throw new Error(`forbidden character U+${bad[0].codePointAt(0)!.toString(16)} at ${bad.index}`);
  let i = 0;
  const decl = /^<\?xml[^?]*\?>\s*/.exec(xml);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      const end = xml.indexOf('>', i);
      const name = xml.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`mismatched </${name}> (open: ${open?.name ?? 'none'})`);
      i = end + 1;
    } else if (xml[i] === '<') {
      i++;
      const name = NAME.exec(xml.slice(i))?.[0];
      if (!name) throw new Error(`bad tag name at ${i}`);
      i += name.length;
      const el: XmlElement = { name, attrs: {}, children: [], text: '' };
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(i))![0];
        i += ws.length;
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (ws === '') throw new Error(`missing space before attribute in <${name}> at ${i}`);
        const m = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(["'])/.exec(xml.slice(i));
        if (!m) throw new Error(`bad attribute in <${name}> at ${i}`);
        i += m[0].length;
        const end = xml.indexOf(m[2]!, i);
        if (end < 0) throw new Error(`unterminated attribute in <${name}>`);
        if (m[1]! in el.attrs) throw new Error(`duplicate attribute ${m[1]} in <${name}>`);
        el.attrs[m[1]!] = decode(xml.slice(i, end), `attribute ${m[1]} of <${name}>`);
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new Error('a second root element');
      else root = el;
      if (xml.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    } else {
      const end = xml.indexOf('<', i);
      const raw = xml.slice(i, end < 0 ? xml.length : end);
      const parent = stack[stack.length - 1];
      if (!parent) {
        if (raw.trim() !== '') throw new Error('text outside the root element');
      } else parent.text += decode(raw, `text of <${parent.name}>`);
      i = end < 0 ? xml.length : end;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}
