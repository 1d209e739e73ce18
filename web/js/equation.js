// Equations: the one place that turns the LaTeX the Python side writes (equations.py) into
// something on the page. Until KaTeX ships with the site this typesets the small subset those
// equations use (sub- and superscripts, fractions, a few symbols) as plain HTML, built as DOM
// nodes, never parsed as markup. Swapping in KaTeX is this one function:
//   katex.render(tex, element, { throwOnError: false })

const SYMBOLS = {
  sigma: "σ", mu: "μ", odot: "⊙", top: "ᵀ", sum: "Σ", ast: "∗", star: "⋆", partial: "∂",
  times: "×", cdot: "·", quad: "\u2003", ",": "\u2009", " ": " ", max: "max", log: "log", tanh: "tanh",
};
const FONTS = new Set(["mathrm", "text", "mathbf", "mathbb"]); // their argument is shown as it is
const IGNORED = new Set(["textstyle", "displaystyle"]);

// Reads the TeX into a list of nodes: strings, {sub}, {sup} and {frac: [num, den]}.
function parse(tex) {
  let i = 0;
  function group() {
    if (tex[i] === "{") {
      i++;
      const nodes = sequence("}");
      i++;
      return nodes;
    }
    return atom();
  }
  function atom() {
    if (tex[i] === "\\") {
      i++;
      const name = /[a-zA-Z]/.test(tex[i]) ? tex.slice(i).match(/^[a-zA-Z]+/)[0] : tex[i];
      i += name.length;
      if (name === "frac") return [{ frac: [group(), group()] }];
      if (FONTS.has(name)) return group();
      if (IGNORED.has(name)) return [];
      return [SYMBOLS[name] ?? name];
    }
    return [tex[i++]];
  }
  function sequence(end) {
    const nodes = [];
    while (i < tex.length && tex[i] !== end) {
      const c = tex[i];
      if (c === "_" || c === "^") {
        i++;
        nodes.push(c === "_" ? { sub: group() } : { sup: group() });
      } else if (c === "{") {
        nodes.push(...group());
      } else {
        nodes.push(...atom());
      }
    }
    return nodes;
  }
  return sequence(undefined);
}

function build(nodes, parent) {
  for (const node of nodes) {
    if (typeof node === "string") parent.append(node);
    else if (node.sub) build(node.sub, parent.appendChild(document.createElement("sub")));
    else if (node.sup && node.sup.join("") === "ᵀ") parent.append("ᵀ"); // already a raised letter
    else if (node.sup) build(node.sup, parent.appendChild(document.createElement("sup")));
    else {
      const frac = parent.appendChild(document.createElement("span"));
      frac.className = "frac";
      build(node.frac[0], frac.appendChild(document.createElement("span")));
      build(node.frac[1], frac.appendChild(document.createElement("span")));
    }
  }
}

// The same nodes as one line of text, for screen readers: "z_1 = x W_1 + b_1".
function linear(nodes) {
  return nodes.map((node) => {
    if (typeof node === "string") return node;
    if (node.sub) return `_${linear(node.sub)}`;
    if (node.sup) return linear(node.sup) === "ᵀ" ? "ᵀ" : `^${linear(node.sup)}`;
    return `(${linear(node.frac[0])}) / (${linear(node.frac[1])})`;
  }).join("");
}

/** Typeset LaTeX `tex` into `element` (its content is replaced). */
export function renderEquation(element, tex) {
  const nodes = parse(String(tex));
  element.replaceChildren();
  element.classList.add("equation");
  element.setAttribute("role", "math");
  element.setAttribute("aria-label", linear(nodes).replace(/\s+/g, " ").trim());
  build(nodes, element);
}
