// A safe Markdown subset for lesson text, read into a plain tree and built with DOM calls:
// nothing in the text ever becomes markup (no innerHTML; "<b>" stays the four characters).
//
//   blocks   paragraphs (separated by blank lines), "- " or "* " bullet lists, "1. " numbered lists
//   inline   `code`, **bold**, *italic* or _italic_, [words](https://address) (http and https only)
//   escapes  a backslash before * _ ` [ ] ( ) or \ keeps that character as it is
//
// Anything else (headings, HTML, images, tables) is shown as the text it is.

const LINK = /^\[([^\]\n]{1,200})\]\((https?:\/\/[^\s()<>"]{1,500})\)/;
const ESCAPABLE = "*_`[]()\\";

/** Inline text -> [{type: "text", text} | {type: "code", text} | {type: "strong"|"em", children} |
 * {type: "link", href, children}]. */
export function parseInline(text) {
  const nodes = [];
  let plain = "";
  const flush = () => {
    if (plain) nodes.push({ type: "text", text: plain });
    plain = "";
  };
  for (let i = 0; i < text.length;) {
    const rest = text.slice(i);
    const c = text[i];
    if (c === "\\" && ESCAPABLE.includes(text[i + 1] || "")) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    let match = null;
    if (c === "`") match = /^`([^`\n]+)`/.exec(rest);
    if (match) {
      flush();
      nodes.push({ type: "code", text: match[1] });
      i += match[0].length;
      continue;
    }
    if (c === "[") match = LINK.exec(rest);
    if (match) {
      flush();
      nodes.push({ type: "link", href: match[2], children: parseInline(match[1]) });
      i += match[0].length;
      continue;
    }
    if (rest.startsWith("**")) match = /^\*\*(?=\S)([\s\S]*?\S)\*\*/.exec(rest);
    else if (c === "*" || c === "_") match = new RegExp(`^\\${c}(?=\\S)([^${c}\\n]*?\\S)\\${c}`).exec(rest);
    if (match) {
      flush();
      nodes.push({ type: match[0].startsWith("**") ? "strong" : "em", children: parseInline(match[1]) });
      i += match[0].length;
      continue;
    }
    plain += c;
    i += 1;
  }
  flush();
  return nodes;
}

/** Text -> [{type: "p", children} | {type: "ul"|"ol", items: [children]}]. */
export function parseMarkdown(text) {
  const blocks = [];
  const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
  let paragraph = [];
  let list = null;
  const endParagraph = () => {
    if (paragraph.length) blocks.push({ type: "p", children: parseInline(paragraph.join(" ")) });
    paragraph = [];
  };
  const endList = () => {
    if (list) blocks.push({ type: list.type, items: list.items.map(parseInline) });
    list = null;
  };
  for (const raw of lines) {
    const line = raw.trim();
    const item = /^([-*]|\d{1,3}\.)\s+(.*)$/.exec(line);
    if (!line) {
      endParagraph();
      endList();
    } else if (item) {
      endParagraph();
      const type = /\d/.test(item[1]) ? "ol" : "ul";
      if (list && list.type !== type) endList();
      if (!list) list = { type, items: [] };
      list.items.push(item[2]);
    } else if (list) {
      list.items[list.items.length - 1] += ` ${line}`; // a list item continued on the next line
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  endList();
  return blocks;
}

function buildInline(doc, nodes, parent) {
  for (const node of nodes) {
    if (node.type === "text") {
      parent.append(doc.createTextNode(node.text));
    } else if (node.type === "code") {
      const code = doc.createElement("code");
      code.textContent = node.text;
      parent.append(code);
    } else {
      const el = doc.createElement(node.type === "link" ? "a" : node.type);
      if (node.type === "link") {
        el.href = node.href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
      }
      buildInline(doc, node.children, el);
      parent.append(el);
    }
  }
}

/** The text as a DocumentFragment of p, ul, ol, li, strong, em, code and a elements. */
export function renderMarkdown(text, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(text)) {
    const el = doc.createElement(block.type);
    if (block.type === "p") buildInline(doc, block.children, el);
    else {
      for (const item of block.items) {
        const li = doc.createElement("li");
        buildInline(doc, item, li);
        el.append(li);
      }
    }
    fragment.append(el);
  }
  return fragment;
}
