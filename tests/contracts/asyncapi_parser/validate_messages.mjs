// Validates captured broker messages as a JavaScript consumer would: the official parser reads the AsyncAPI
// document, ajv (every strict check an error, with ajv-formats) validates each body against its message's payload
// and its AMQP headers against the message's headers. Input: the document and a JSON-lines file of
// {"exchange", "headers", "body"}; prints each problem as a JSON line, then a summary; exit 1 on any problem.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const { document, diagnostics } = await new Parser().parse(readFileSync(process.argv[2], "utf8"));
if (document === undefined) {
  console.log(JSON.stringify({ problem: "the parser refused the document", diagnostics }));
  process.exit(1);
}
// strict: every strict check an error (by default ajv only logs some, e.g. `properties` without `type`).
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
// Annotations, not assertions: the parser's own, and the document's specification extensions (x-…).
const annotations = new Set(["x-parser-schema-id"]);
const collect = (node) => {
  if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("x-")) annotations.add(key);
      collect(value);
    }
  }
};
const added = new Set();
const compiled = new Map();
const validatorOf = (message, part) => {
  const key = `${message.id()}/${part}`;
  if (!compiled.has(key)) {
    const schema = part === "payload" ? message.payload()?.json() : message.headers()?.json();
    collect(schema);
    for (const keyword of annotations) {
      if (!added.has(keyword)) ajv.addKeyword(keyword);
      added.add(keyword);
    }
    compiled.set(key, schema === undefined ? null : ajv.compile(schema));
  }
  return compiled.get(key);
};

const problems = [];
const lines = readFileSync(process.argv[3], "utf8").split("\n").filter((l) => l.trim());
for (const line of lines) {
  const { exchange, headers, body } = JSON.parse(line);
  const problem = (text) => problems.push({ type: body.type, exchange, problem: text });
  const channel = document.channels().get(exchange);
  if (channel === undefined) {
    problem(`no channel ${exchange}`);
    continue;
  }
  // The message the channel documents for what the body says of itself (its id may carry a suffix there).
  const message = channel.messages().all().find(
    (m) => m.name() === body.type && m.payload()?.json()?.properties?.schema_version?.const === body.schema_version);
  if (message === undefined) {
    problem(`channel ${exchange} documents no ${body.type} v${body.schema_version}`);
    continue;
  }
  for (const [part, value] of [["payload", body], ["headers", headers]]) {
    let validate;
    try {
      validate = validatorOf(message, part);
    } catch (error) {
      problem(`${message.id()} ${part} schema does not compile: ${error.message}`);
      continue;
    }
    if (validate && !validate(value)) {
      for (const e of validate.errors) problem(`${part}${e.instancePath} ${e.message}`);
    }
  }
}
for (const p of problems) console.log(JSON.stringify(p));
console.log(JSON.stringify({ messages: lines.length, problems: problems.length }));
process.exit(problems.length === 0 ? 0 : 1);
