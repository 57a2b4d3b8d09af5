// The PostGraphile v5 server of bench/reads: grafserv on Node's http
// server, on 127.0.0.1 and the port in PORT (0: any free one). It prints
// "postgraphile is running at http://127.0.0.1:PORT/graphql" once it
// listens; the bench reads that line.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import preset from "./graphile.config.js";

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 60_000;
server.on("error", (e) => {
  console.error(e);
  process.exit(1);
});
await serv.addTo(server);
await pgl.getSchema(); // build the schema before the first request
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address();
  console.log(`postgraphile is running at http://127.0.0.1:${port}/graphql`);
});
const stop = async () => {
  server.close();
  server.closeAllConnections();
  await pgl.release();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
