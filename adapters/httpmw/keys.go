package httpmw

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/bulwark-go/bulwark/messages"
)

// KeyFunc returns the key a request is limited under: a client address, a
// user ID from the context, a header, r.Pattern. It must be safe for
// concurrent use.
type KeyFunc func(r *http.Request) string

// LongestTrustedProxies is the most prefixes ClientIP takes.
const LongestTrustedProxies = 1024

// ClientIP returns a KeyFunc whose key is the address of the client that
// sent the request, as a netip.Addr's String (an IPv4-mapped IPv6 address
// as IPv4).
//
// It is the peer's address (r.RemoteAddr), unless the peer is one of the
// trusted proxies: then the forwarding headers are read — Forwarded's
// "for=" (RFC 7239), else X-Forwarded-For, else X-Real-IP — from the
// right, skipping trusted hops, and the key is the first hop that is not
// trusted: the rightmost hop no trusted proxy vouches for. Hops further
// left were written by the client and are never believed. A hop that is
// not an address (obfuscated, "unknown", garbage) ends the walk at the
// last trusted hop. Headers from a peer that is not trusted are ignored,
// so a client cannot choose its own key.
//
// ClientIP returns a *messages.ConfigError for more than LongestTrustedProxies
// prefixes or an invalid one.
func ClientIP(trusted ...netip.Prefix) (KeyFunc, error) {
	if len(trusted) > LongestTrustedProxies {
		return nil, messages.InvalidConfig(Kind, "ClientIP trusted", len(trusted), "must hold at most 1024 prefixes")
	}
	nets := make([]netip.Prefix, len(trusted))
	for i, p := range trusted {
		if !p.IsValid() {
			return nil, messages.InvalidConfig(Kind, "ClientIP trusted", p, "must be a valid prefix")
		}
		nets[i] = p.Masked()
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range nets {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer, ok := parseHop(r.RemoteAddr)
		if !ok {
			return r.RemoteAddr // not an IP transport (a unix socket, a test)
		}
		if len(nets) == 0 || !isTrusted(peer) {
			return peer.String()
		}
		hops := forwardedHops(r.Header)
		last := peer
		for i := len(hops) - 1; i >= 0; i-- {
			a, ok := parseHop(hops[i])
			if !ok {
				break
			}
			if !isTrusted(a) {
				return a.String()
			}
			last = a
		}
		return last.String()
	}, nil
}

// forwardedHops returns the hops the forwarding headers list, leftmost
// first: Forwarded's for= values, else X-Forwarded-For's, else X-Real-IP.
func forwardedHops(h http.Header) []string {
	var hops []string
	if fwd := h.Values("Forwarded"); len(fwd) > 0 {
		for _, line := range fwd {
			for elem := range strings.SplitSeq(line, ",") {
				hop := "unknown" // an element without for= is a hop we cannot place
				for pair := range strings.SplitSeq(elem, ";") {
					k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
					if strings.EqualFold(k, "for") {
						hop = strings.Trim(v, `"`)
					}
				}
				hops = append(hops, hop)
			}
		}
		return hops
	}
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for hop := range strings.SplitSeq(line, ",") {
				hops = append(hops, strings.TrimSpace(hop))
			}
		}
		return hops
	}
	if ip := h.Get("X-Real-IP"); ip != "" {
		return []string{strings.TrimSpace(ip)}
	}
	return nil
}

// parseHop parses "addr", "addr:port", "[v6]" or "[v6]:port".
func parseHop(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
