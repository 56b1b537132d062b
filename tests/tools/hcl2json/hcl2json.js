// Prints the JSON form of one HCL file (HashiCorp's parser, as WebAssembly).
// Usage: node hcl2json.js FILE; exit status 2 and the parser's message on a syntax error.
"use strict";
const fs = require("fs");
const { parse } = require("@cdktf/hcl2json");

const file = process.argv[2];
parse(file, fs.readFileSync(file, "utf8")).then(
  (json) => process.stdout.write(JSON.stringify(json)),
  (err) => { process.stderr.write(String(err) + "\n"); process.exit(2); }
);
