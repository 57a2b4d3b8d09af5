// Command live measures FaceStat's live results end to end: many WebSocket
// subscribers to photoStats, votes cast at a steady rate, and how long a
// vote's new count takes to reach the subscribers.
//
//	go run ./bench/live [-subscribers 15000] [-photos 200] [-rate 1000] [-duration 20s] [-clients 4] [-redis=true]
//
// Everything runs on loopback and is cleaned up at the end: it creates a
// PostgreSQL database of its own (dropped WITH (FORCE) at the end), starts a
// redis-server of its own on a free port (unless -redis=false, which keeps
// pub/sub in-process), builds and starts the real `facestat serve` binary,
// seeds -photos public photos through GraphQL (sign-ups and multipart
// uploads of small generated JPEGs), and then:
//
//   - starts -clients child processes of this program (-role=client), each
//     binding its sockets to its own source address (127.0.0.2, 127.0.0.3,
//     ...) and holding subscribers/clients WebSockets speaking
//     graphql-transport-ws, one photoStats subscription each, spread evenly
//     over the photos. Children report on stdout in JSON lines: sockets
//     established, errors, and every message of a sample of the
//     subscriptions (photo, voteCount, receive time);
//   - reads the server's VmRSS before the sockets open and once they are all
//     subscribed: memory per connection is the difference over the sockets;
//   - casts -rate castVote per second for -duration from a paced loop over a
//     pool of keep-alive HTTP workers, photos drawn from a Zipf law, each vote
//     by an anonymous judge who has not voted on that photo, recording when
//     each photo's voteCount was acknowledged (castVote's photo.voteCount);
//   - joins the two: the delivery latency of a message carrying voteCount n is
//     its receive time minus the first acknowledgement of a count >= n.
//
// It prints the figures and a block ready for docs/PERFORMANCE.md.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type options struct {
	subscribers  int
	photos       int
	rate         int
	duration     time.Duration
	clients      int
	redis        bool
	workers      int
	sampleEvery  int
	socketTokens int
	dialConc     int
	zipfS        float64
	grace        time.Duration
	setupTimeout time.Duration
	pgURL        string
	bin          string
	perfFile     string
	role         string
}

func main() {
	var o options
	flag.IntVar(&o.subscribers, "subscribers", 15000, "WebSocket subscribers (one photoStats subscription per socket)")
	flag.IntVar(&o.photos, "photos", 200, "public photos to seed; subscribers are spread evenly over them")
	flag.IntVar(&o.rate, "rate", 1000, "castVote per second")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long votes are cast")
	flag.IntVar(&o.clients, "clients", 4, "client processes holding the sockets, each on its own source address 127.0.0.2, 127.0.0.3, ...")
	flag.BoolVar(&o.redis, "redis", true, "run a redis-server of its own so that updates go through Redis pub/sub (false: in-process)")
	flag.IntVar(&o.workers, "workers", 256, "HTTP workers casting votes (keep-alive connections)")
	flag.IntVar(&o.sampleEvery, "sample", 20, "every message of 1 in this many subscriptions is reported and joined for latency "+
		"(whole rounds of -photos subscribers, so that every photo has sampled subscriptions)")
	flag.IntVar(&o.socketTokens, "socket-tokens", 16, "anonymous tokens shared by the sockets in connection_init (0: sockets carry none)")
	flag.IntVar(&o.dialConc, "dial-concurrency", 32, "sockets each client process opens at once")
	flag.Float64Var(&o.zipfS, "zipf", 1.1, "Zipf exponent s (> 1) of the photos' popularity")
	flag.DurationVar(&o.grace, "grace", 2*time.Second, "after the last vote, how long messages are still collected")
	flag.DurationVar(&o.setupTimeout, "setup-timeout", 5*time.Minute, "how long opening all the sockets may take")
	flag.StringVar(&o.pgURL, "server", cmp.Or(os.Getenv("FACESTAT_TEST_DATABASE_URL"), "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server (on loopback) to create the benchmark database on")
	flag.StringVar(&o.bin, "bin", "", "a facestat binary to run instead of building ./cmd/facestat from this working tree")
	flag.StringVar(&o.perfFile, "perf", "", "record `perf record -a -g` of the whole machine during the votes into this file")
	flag.StringVar(&o.role, "role", "", "internal: client for the child processes")
	flag.Usage = func() {
		out := flag.CommandLine.Output()
		fmt.Fprintf(out, "usage: go run ./bench/live [flags]\n")
		flag.VisitAll(func(f *flag.Flag) {
			if f.Name == "role" {
				return
			}
			fmt.Fprintf(out, "  -%s (default %q)\n      %s\n", f.Name, f.DefValue, f.Usage)
		})
	}
	flag.Parse()

	if o.role == "client" {
		if err := runClient(); err != nil {
			fmt.Fprintln(os.Stderr, "live client:", err)
			os.Exit(1)
		}
		return
	}
	if o.subscribers < 1 || o.photos < 1 || o.rate < 1 || o.clients < 1 || o.clients > 250 || o.workers < 1 ||
		o.sampleEvery < 1 || o.duration < time.Second || o.zipfS <= 1 || o.dialConc < 1 {
		fmt.Fprintln(os.Stderr, "live: -subscribers, -photos, -rate, -workers, -sample, -dial-concurrency must be positive, "+
			"-clients in 1..250, -duration at least 1s, -zipf above 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "live:", err)
		os.Exit(1)
	}
}
