package benchkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// SyntheticAddresses returns n distinct public-looking IPv4 client
// addresses spread over many /24 networks (never 0/8, 10/8, 100.64/10,
// 127/8, 169.254/16, 172.16/12, 192.168/16 or beyond 223/8), the same
// ones for the same seed. A load generator sends them as X-Forwarded-For
// through a trusted proxy (see TrustLoopbackProxy), so that per-address
// rate limits, budgets and the judge model's per-network rules meet
// traffic from many people at their default settings.
func SyntheticAddresses(n int, seed uint64) []string {
	r := mrand.New(mrand.NewPCG(seed, 0x5eed))
	seen := make(map[netip.Addr]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		var b [4]byte
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		a := netip.AddrFrom4(b)
		if b[0] == 0 || b[0] >= 224 || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() ||
			netip.MustParsePrefix("100.64.0.0/10").Contains(a) || b[3] == 0 || b[3] == 255 || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a.String())
	}
	return out
}

// TrustLoopbackProxy makes env's server believe X-Forwarded-For from
// loopback, where the load generator runs (it plays the proxy), and takes
// out ServerEnv's overrides of per-address and per-judge limits and
// budgets, so that they apply at their defaults to the synthetic clients.
func TrustLoopbackProxy(env map[string]string) {
	env["FACESTAT_TRUSTED_PROXIES"] = "127.0.0.1/32,::1/128"
	for _, k := range []string{"FACESTAT_RATE_ANON_SESSION", "FACESTAT_RATE_VOTE", "FACESTAT_RATE_VOTE_IP",
		"FACESTAT_BUDGET_IP", "FACESTAT_BUDGET_SESSION", "FACESTAT_BUDGET_ACCOUNT"} {
		delete(env, k)
	}
}

// CallFrom is Call as the client at addr, forwarded by a proxy
// (X-Forwarded-For); addr "" sends no header.
func (c *Client) CallFrom(addr, token, query string, vars map[string]any) (data json.RawMessage, code, msg string) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	return c.Do(req, token)
}

// OperatorToken returns a fresh random operator token (FACESTAT_OPERATOR_TOKEN)
// for a benchmark's server, which opens its /debug/pprof/.
func OperatorToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// FetchProfile asks the server at base for a CPU profile of seconds
// through its operator-only pprof endpoint, with token, and writes it to
// file; the allocations over the same seconds go to file + ".allocs"
// (go tool pprof -sample_index=alloc_space), or, if they cannot, a line
// to stderr. A build without the endpoint answers 403 or 404: an error.
func FetchProfile(ctx context.Context, base, token string, seconds int, file string) error {
	allocs := make(chan error, 1)
	go func() { allocs <- fetchPprof(ctx, base, token, "allocs", seconds, file+".allocs") }()
	err := fetchPprof(ctx, base, token, "profile", seconds, file)
	if aerr := <-allocs; aerr != nil {
		fmt.Fprintln(os.Stderr, "no allocations profile:", aerr)
	}
	return err
}

// fetchPprof writes /debug/pprof/<kind>?seconds= to file.
func fetchPprof(ctx context.Context, base, token, kind string, seconds int, file string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/"+kind+"?seconds="+strconv.Itoa(seconds), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{Timeout: time.Duration(seconds+30) * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("/debug/pprof/%s: HTTP %d (a build without the endpoint?)", kind, res.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// PprofTop is `go tool pprof -top` of a profile: its header and first n
// functions by flat and by cumulative time.
func PprofTop(bin, file string, n int) string {
	var b strings.Builder
	for _, sort := range []string{"-flat", "-cum"} {
		out, err := exec.Command("go", "tool", "pprof", "-top", sort, "-nodecount="+strconv.Itoa(n), bin, file).CombinedOutput()
		if err != nil {
			return fmt.Sprintf("go tool pprof: %v\n%s", err, out)
		}
		b.Write(out)
	}
	return b.String()
}
