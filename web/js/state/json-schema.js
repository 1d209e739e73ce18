// A small JSON Schema validator: the keywords the lesson schema (lessons/lesson.schema.json) uses,
// and no others. A schema that uses any other keyword is refused outright, so the schema can never
// promise a check this code does not make. It knows nothing of lessons or the page.
//
// Keywords: type (string, number, integer, boolean, object, array, null, or a list of them),
// const, enum, minLength, maxLength, pattern, minimum, maximum, minItems, maxItems, uniqueItems,
// items, properties, required, additionalProperties (false or a schema), propertyNames,
// minProperties, maxProperties, $ref (to "#/$defs/<name>"), and the annotations $schema, $id,
// $defs, title, description.

const KEYWORDS = new Set(["type", "const", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum",
  "minItems", "maxItems", "uniqueItems", "items", "properties", "required", "additionalProperties",
  "propertyNames", "minProperties", "maxProperties", "$ref", "$schema", "$id", "$defs", "title", "description"]);
const MAX_ERRORS = 10;

function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

const isType = (value, type) => type === typeOf(value) || (type === "number" && typeOf(value) === "integer");
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const show = (value) => {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** Validate `value` against `schema` (with its $defs): a list of problems, each "where: what" (empty: valid). */
export function validate(schema, value) {
  const errors = [];
  const fail = (path, message) => {
    if (errors.length < MAX_ERRORS) errors.push(`${path || "the document"}: ${message}`);
  };

  function check(node, v, path) {
    for (const key of Object.keys(node)) {
      if (!KEYWORDS.has(key)) throw new Error(`The schema uses "${key}", which this validator does not check.`);
    }
    if (node.$ref) {
      const name = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(node.$ref);
      if (!name || !schema.$defs?.[name[1]]) throw new Error(`The schema's $ref "${node.$ref}" names nothing.`);
      check(schema.$defs[name[1]], v, path);
    }
    if (node.type) {
      const types = [].concat(node.type);
      if (!types.some((t) => isType(v, t))) return fail(path, `must be ${types.join(" or ")}, not ${typeOf(v)}`);
    }
    if ("const" in node && !same(v, node.const)) fail(path, `must be ${show(node.const)}`);
    if (node.enum && !node.enum.some((e) => same(e, v))) fail(path, `must be one of ${node.enum.map(show).join(", ")}, not ${show(v)}`);
    if (typeof v === "string") {
      if (node.minLength !== undefined && v.length < node.minLength) fail(path, `must have at least ${node.minLength} characters`);
      if (node.maxLength !== undefined && v.length > node.maxLength) fail(path, `must have at most ${node.maxLength} characters, not ${v.length}`);
      if (node.pattern && !new RegExp(node.pattern, "u").test(v)) fail(path, `${show(v)} is not of the form ${node.pattern}`);
    }
    if (typeof v === "number") {
      if (node.minimum !== undefined && v < node.minimum) fail(path, `must be at least ${node.minimum}, not ${v}`);
      if (node.maximum !== undefined && v > node.maximum) fail(path, `must be at most ${node.maximum}, not ${v}`);
    }
    if (Array.isArray(v)) {
      if (node.minItems !== undefined && v.length < node.minItems) fail(path, `must have at least ${node.minItems} items`);
      if (node.maxItems !== undefined && v.length > node.maxItems) fail(path, `must have at most ${node.maxItems} items, not ${v.length}`);
      if (node.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) fail(path, "must not repeat an item");
      if (node.items) for (const [i, item] of v.entries()) check(node.items, item, `${path}[${i}]`);
    }
    if (typeOf(v) === "object") {
      const keys = Object.keys(v);
      if (node.minProperties !== undefined && keys.length < node.minProperties) fail(path, `must have at least ${node.minProperties} entries`);
      if (node.maxProperties !== undefined && keys.length > node.maxProperties) fail(path, `must have at most ${node.maxProperties} entries`);
      for (const name of node.required || []) if (!Object.hasOwn(v, name)) fail(path, `needs "${name}"`);
      const properties = node.properties || {};
      for (const key of keys) {
        const where = path ? `${path}.${key}` : key;
        if (node.propertyNames) check(node.propertyNames, key, `${where} (the name)`);
        if (Object.hasOwn(properties, key)) check(properties[key], v[key], where);
        else if (node.additionalProperties === false) fail(path, `has "${key.slice(0, 40)}", which is not allowed here`);
        else if (typeof node.additionalProperties === "object") check(node.additionalProperties, v[key], where);
      }
    }
  }

  check(schema, value, "");
  return errors;
}
