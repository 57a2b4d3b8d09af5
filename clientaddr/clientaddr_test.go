package clientaddr_test

import (
	"context"
	"net/http"
	"net/netip"
	"testing"

	"github.com/facestat/facestat/clientaddr"
)

func TestGroup(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":               "192.0.2.7",
		"::ffff:192.0.2.7":        "192.0.2.7", // IPv4-mapped counts as IPv4
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":    "2001:db8:1:2::/64", // the same /64
		"2001:db8:1:3::1":         "2001:db8:1:3::/64",
		"fe80::1%eth0":            "fe80::/64",
		"":                        "",
		"not an address":          "not an address",
		"2001:db8:1:2:3:4:5:6:77": "2001:db8:1:2:3:4:5:6:77",
	} {
		if got := clientaddr.Group(in); got != want {
			t.Errorf("Group(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestClient: X-Forwarded-For is believed only from a trusted proxy, from
// the right, up to the first address that is not a trusted proxy's.
func TestClient(t *testing.T) {
	res := clientaddr.Resolver{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "198.51.100.1:4000", nil, "198.51.100.1"},
		{"an untrusted peer's header is ignored", "198.51.100.1:4000", []string{"203.0.113.9"}, "198.51.100.1"},
		{"a trusted proxy names the client", "10.0.0.2:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a spoofed hop left of the client is ignored", "10.0.0.2:4000", []string{"127.0.0.1, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops are skipped", "10.0.0.2:4000", []string{"203.0.113.9, 10.1.1.1"}, "203.0.113.9"},
		{"header lines are one list", "10.0.0.2:4000", []string{"127.0.0.1", "203.0.113.9"}, "203.0.113.9"},
		{"a mapped address is its IPv4", "10.0.0.2:4000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"a junk last hop leaves the proxy", "10.0.0.2:4000", []string{"203.0.113.9, junk"}, "10.0.0.2"},
		{"no header leaves the proxy", "10.0.0.2:4000", nil, "10.0.0.2"},
		{"IPv6 peer", "[2001:db8::1]:4000", nil, "2001:db8::1"},
	} {
		r := &http.Request{RemoteAddr: c.peer, Header: http.Header{}}
		if c.xff != nil {
			r.Header["X-Forwarded-For"] = c.xff
		}
		if got := res.Client(r); got != c.want {
			t.Errorf("%s: Client = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestWithFrom(t *testing.T) {
	ctx := context.Background()
	if got := clientaddr.From(ctx); got != "" {
		t.Fatalf("From(background) = %q, want empty", got)
	}
	if got := clientaddr.From(clientaddr.With(ctx, "192.0.2.7")); got != "192.0.2.7" {
		t.Fatalf("From(With(192.0.2.7)) = %q", got)
	}
}

func TestNetwork(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.77":            "203.0.113.0/24",
		"::ffff:203.0.113.77":     "203.0.113.0/24",
		"2001:db8:1234:5678::1":   "2001:db8:1234::/48",
		"2001:db8:1234:ffff:1::9": "2001:db8:1234::/48",
		"127.0.0.1":               "",
		"::1":                     "",
		"not an address":          "",
		"":                        "",
	} {
		if got := clientaddr.Network(ip); got != want {
			t.Errorf("Network(%q) = %q, want %q", ip, got, want)
		}
	}
}
