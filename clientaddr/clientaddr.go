// Package clientaddr decides who a request comes from, in one place: its
// client address (X-Forwarded-For believed only from trusted proxies),
// carried in the request's context, and how addresses group into one
// client for limits and budgets (IPv4 /32, IPv6 /64).
package clientaddr

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds a request's client address.
type Resolver struct {
	// Trusted are the proxies whose X-Forwarded-For is believed; none: the
	// peer is the client.
	Trusted []netip.Prefix
}

// Client is r's client address: the peer's, or, when the peer is a trusted
// proxy, the rightmost X-Forwarded-For address that is not a trusted
// proxy (a junk hop ends the search, falling back to the peer's).
func (res Resolver) Client(r *http.Request) string {
	host, peer, err := Peer(r)
	if err != nil || !res.IsTrusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !res.IsTrusted(a) {
			return a.Unmap().String()
		}
	}
	return host
}

// PeerTrusted reports whether r's peer is a trusted proxy, whose
// X-Forwarded-For Client believes.
func (res Resolver) PeerTrusted(r *http.Request) bool {
	_, peer, err := Peer(r)
	return err == nil && res.IsTrusted(peer)
}

// IsTrusted reports whether a is a trusted proxy's address.
func (res Resolver) IsTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range res.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Peer is the address of r's peer: as written in RemoteAddr (host), and
// parsed (an error for a peer that is not an IP address, such as a test's).
func Peer(r *http.Request) (host string, a netip.Addr, err error) {
	host, _, err = net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err = netip.ParseAddr(host)
	return host, a, err
}

// Group is the key a per-address limit or budget counts ip under: the
// whole IPv4 address, or the IPv6 /64 (one host usually holds a whole /64,
// so counting single IPv6 addresses would give it billions of budgets). An
// IPv4-mapped IPv6 address counts as its IPv4 address; anything that is
// not an address is its own key.
func Group(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// Network is the network ip belongs to, for telling apart voices rather
// than budgets: the IPv4 /24 or the IPv6 /48 (a site's allocation), as a
// prefix; "" for anything that is not an address, and for loopback (the
// machine itself: a developer, a test, a local tool, which no stranger's
// vote comes from). The judge model counts a burst of votes on one photo
// from one network as few votes, and a photo's votes from the network it
// was uploaded from as none.
func Network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().IsLoopback() {
		return ""
	}
	if a = a.Unmap(); a.Is6() {
		return netip.PrefixFrom(a, 48).Masked().String()
	}
	return netip.PrefixFrom(a, 24).Masked().String()
}

type key struct{}

// With returns ctx carrying the client's address, as Resolver.Client found
// it.
func With(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, key{}, ip)
}

// From returns the client address of ctx, or "" when unknown (work no
// client asked for, such as `facestat seed`).
func From(ctx context.Context) string {
	ip, _ := ctx.Value(key{}).(string)
	return ip
}
