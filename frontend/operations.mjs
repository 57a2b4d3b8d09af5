// Writes operations.json: the names of the GraphQL operations in the
// documents graphql-codegen generated (src/gql/graphql.ts), sorted, so that
// each gets its own metrics label. Run by codegen.ts after it writes src/gql
// (`npm run codegen`, `make generate`); operations_test.go checks the two agree.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = fs.readFileSync(path.join(here, 'src/gql/graphql.ts'), 'utf8');
const definition = /"kind":"OperationDefinition","operation":"(?:query|mutation|subscription)","name":\{"kind":"Name","value":"(\w+)"\}/g;
const names = [...new Set([...src.matchAll(definition)].map((m) => m[1]))].sort();
fs.writeFileSync(path.join(here, 'operations.json'), JSON.stringify(names, null, 2) + '\n');

// persisted-documents.json: the trusted documents (api/apq.go), each
// document printed by graphql-js (as Apollo Client and urql print them)
// under the SHA-256 of its text; frontend/persisted.go embeds it.
const { parse, print, visit } = await import('graphql');
const { createHash } = await import('node:crypto');
const documentRe = /export const \w+Document = (\{"kind":"Document".*?\}) as unknown as DocumentNode/g;
const persisted = {};
for (const m of src.matchAll(documentRe)) {
  const doc = print(visit(JSON.parse(m[1]), {}));
  persisted[createHash('sha256').update(doc).digest('hex')] = doc;
}
const sorted = Object.fromEntries(Object.entries(persisted).sort(([a], [b]) => a.localeCompare(b)));
fs.writeFileSync(path.join(here, 'persisted-documents.json'), JSON.stringify(sorted, null, 2) + '\n');
