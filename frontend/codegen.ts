import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the operations written beside the components
// (graphql(`...`) calls in src/). The output in src/gql/ is generated and
// committed: run `npm run codegen` (or `make generate`) after changing an
// operation or ../schema.graphql.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Upload: 'File' },
      },
    },
  },
  // operations.json (the operations' names, for metrics labels) follows the documents.
  hooks: { afterAllFileWrite: ['node operations.mjs'] },
};

export default config;
