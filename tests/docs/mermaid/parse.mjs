// Parse Mermaid diagrams with Mermaid's own parser (the package forges render with).
// Usage: node parse.mjs NODE_MODULES_PARENT < diagrams.json
//   stdin:  [{"name": "...", "source": "..."}, ...]
//   stdout: [{"name": "...", "ok": true, "type": "sequence"} | {"name": "...", "ok": false, "error": "..."}]
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';

const prefix = resolve(process.argv[2]);
const require = createRequire(join(prefix, 'package.json'));
// Mermaid sanitizes labels with DOMPurify, which needs a window: jsdom's, set before import.
const { JSDOM } = require('jsdom');
const { window } = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = window;
globalThis.document = window.document;
const resolved = require.resolve('mermaid');
const { default: mermaid } = await import(pathToFileURL(resolved).href);
mermaid.initialize({ startOnLoad: false });

const diagrams = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const { name, source } of diagrams) {
  try {
    const parsed = await mermaid.parse(source);
    results.push({ name, ok: true, type: parsed.diagramType });
  } catch (err) {
    results.push({ name, ok: false, error: String(err?.message ?? err) });
  }
}
process.stdout.write(JSON.stringify(results));
