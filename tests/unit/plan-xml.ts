// A strict reader of the XML subset an SVG of plan/svg.ts uses (elements, quoted attributes, text, the five
// entities): enough to prove the document well-formed and to find its elements, with no XML library installed.

export interface XmlElement {
    name: string;
    attrs: Record<string, string>;
    children: XmlElement[];
    text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos);)/;

/** Parses one document; throws on anything not well-formed (unclosed or crossed tags, bad attributes, stray &). */
export function parseXml(source: string): XmlElement {
    let pos = 0;
    const fail = (what: string): never => {
        throw new Error(`not well-formed at ${pos}: ${what} near ${JSON.stringify(source.slice(pos, pos + 40))}`);
    };
    const text = (raw: string): string => {
        if (ENTITY.test(raw) || raw.includes("<")) {
            fail("unescaped & or <");
        }
        return raw
            .replace(/&lt;/g, "<")
            .replace(/&gt;/g, ">")
            .replace(/&quot;/g, '"')
            .replace(/&apos;/g, "'")
            .replace(/&amp;/g, "&");
    };
    const element = (): XmlElement => {
        if (source[pos] !== "<") {
            fail("expected <");
        }
        pos++;
        const name = NAME.exec(source.slice(pos))?.[0] ?? fail("element name");
        pos += name.length;
        const attrs: Record<string, string> = {};
        for (;;) {
            const ws = /^\s*/.exec(source.slice(pos))![0];
            pos += ws.length;
            if (source.startsWith("/>", pos)) {
                pos += 2;
                return { name, attrs, children: [], text: "" };
            }
            if (source[pos] === ">") {
                pos++;
                break;
            }
            if (ws === "") {
                fail("space before an attribute");
            }
            const m = /^([A-Za-z_][\w.:-]*)="([^"<]*)"/.exec(source.slice(pos)) ?? fail("attribute");
            if (m[1] in attrs) {
                fail(`attribute ${m[1]} twice`);
            }
            attrs[m[1]] = text(m[2]);
            pos += m[0].length;
        }
        const children: XmlElement[] = [];
        let body = "";
        for (;;) {
            const next = source.indexOf("<", pos);
            if (next < 0) {
                fail(`</${name}> missing`);
            }
            body += text(source.slice(pos, next));
            pos = next;
            if (source.startsWith(`</${name}>`, pos)) {
                pos += name.length + 3;
                return { name, attrs, children, text: body };
            }
            if (source.startsWith("</", pos)) {
                fail(`closing tag crosses <${name}>`);
            }
            children.push(element());
        }
    };
    pos = /^\s*/.exec(source)![0].length;
    const root = element();
    if (source.slice(pos).trim() !== "") {
        fail("content after the root element");
    }
    return root;
}

/** Every element of the tree, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
    return [root, ...root.children.flatMap(allElements)];
}
