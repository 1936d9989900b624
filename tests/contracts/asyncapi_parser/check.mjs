// Parses and validates an AsyncAPI document with the official parser; prints its diagnostics as JSON lines.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(process.argv[2], "utf8"));
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of errors) console.log(JSON.stringify({ code: d.code, message: d.message, path: d.path }));
console.log(JSON.stringify({ parsed: document !== undefined, errors: errors.length, diagnostics: diagnostics.length }));
process.exit(document !== undefined && errors.length === 0 ? 0 : 1);
