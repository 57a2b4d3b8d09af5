// subscribe.mjs runs one GraphQL subscription against FaceStat with a real
// client library and reports what happens as JSON lines on stdout, one
// event per line:
//
//   {"event":"connected"}                       connection_ack received
//   {"event":"next","payload":{...}}            one execution result
//   {"event":"error","error":...}               the operation failed
//   {"event":"complete"}                        the server completed it
//   {"event":"closed","code":1000,"reason":""}  the socket closed
//   {"event":"fatal","error":"..."}             the script itself failed
//
// Usage: node subscribe.mjs '<json config>' where the config is
//   {"url": "ws://127.0.0.1:8080/graphql",
//    "protocol": "graphql-transport-ws" | "graphql-ws",
//    "token": "...", "query": "subscription ...", "variables": {...}}
//
// "graphql-transport-ws" uses the `graphql-ws` package's client; "graphql-ws"
// (the legacy protocol of the same name) uses Apollo's
// `subscriptions-transport-ws` SubscriptionClient. Neither reconnects. The
// script runs until its standard input closes (the Go test owns its
// lifetime) or it is killed.

import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import stws from 'subscriptions-transport-ws';

const { SubscriptionClient } = stws;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function describe(err) {
  if (err === null || err === undefined) return null;
  if (Array.isArray(err)) return err; // GraphQL errors as sent by the server
  if (typeof err === 'object' && 'code' in err && 'reason' in err) {
    return { closeCode: err.code, reason: err.reason }; // a CloseEvent
  }
  if (err instanceof Error) return { message: err.message };
  return err;
}

let cfg;
try {
  cfg = JSON.parse(process.argv[2] ?? '');
} catch (e) {
  emit({ event: 'fatal', error: 'usage: node subscribe.mjs <json config>: ' + e.message });
  process.exit(2);
}

const connectionParams = cfg.token ? { authorization: 'Bearer ' + cfg.token } : {};
const request = { query: cfg.query, variables: cfg.variables ?? {} };
const sink = {
  next: (payload) => emit({ event: 'next', payload }),
  error: (err) => emit({ event: 'error', error: describe(err) }),
  complete: () => emit({ event: 'complete' }),
};

let dispose;
if (cfg.protocol === 'graphql-transport-ws') {
  const client = createClient({
    url: cfg.url,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    shouldRetry: () => false,
    on: {
      connected: () => emit({ event: 'connected' }),
      closed: (ev) => emit({ event: 'closed', code: ev?.code ?? null, reason: ev?.reason ?? '' }),
    },
  });
  const unsubscribe = client.subscribe(request, sink);
  dispose = async () => {
    unsubscribe();
    await client.dispose();
  };
} else if (cfg.protocol === 'graphql-ws') {
  const client = new SubscriptionClient(
    cfg.url,
    { reconnect: false, lazy: false, connectionParams },
    WebSocket,
  );
  client.onConnected(() => emit({ event: 'connected' }));
  // SubscriptionClient reports no close code: read it from its socket.
  const sock = client.client;
  if (sock && typeof sock.on === 'function') {
    sock.on('close', (code, reason) => emit({ event: 'closed', code, reason: String(reason ?? '') }));
  }
  const sub = client.request(request).subscribe(sink);
  dispose = async () => {
    sub.unsubscribe();
    client.close(true);
  };
} else {
  emit({ event: 'fatal', error: 'unknown protocol ' + JSON.stringify(cfg.protocol) });
  process.exit(2);
}

process.on('uncaughtException', (e) => {
  emit({ event: 'fatal', error: String(e?.stack ?? e) });
  process.exit(1);
});

process.stdin.resume();
process.stdin.on('end', async () => {
  try {
    await dispose();
  } finally {
    process.exit(0);
  }
});
