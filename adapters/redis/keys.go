package redis

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// maxPlainKey is the longest key written into Redis keys as its own bytes;
// longer keys are written as their SHA-256 digest.
const maxPlainKey = 256

// keyBase returns the common start of a decision's Redis keys (each adds a
// suffix such as ":gcra"): prefix + ":{" + tag + "}:" + limit + "/" +
// period in microseconds. The tag is Redis Cluster's hash tag, so every key
// of a decision lands in one slot; it is never empty and holds no brace, and
// different keys give different tags:
//
//   - key itself, when it is 1 to 256 bytes, has no '{' or '}' and does not
//     start with '#' or '%' (any other bytes, newlines included, are kept:
//     Redis keys are binary-safe);
//   - "#" + base64url(key) for any other key of at most 256 bytes (the empty
//     key included);
//   - "%" + base64url(SHA-256(key)) for a longer key.
//
// The key reaches Redis only as a key name (KEYS), never inside a script.
func keyBase(prefix, key string, limit int, periodMicros int64) string {
	var b strings.Builder
	b.Grow(len(prefix) + min(len(key), maxPlainKey)*4/3 + 48)
	b.WriteString(prefix)
	b.WriteString(":{")
	switch {
	case len(key) > maxPlainKey:
		sum := sha256.Sum256([]byte(key))
		b.WriteByte('%')
		b.WriteString(base64.RawURLEncoding.EncodeToString(sum[:]))
	case key == "" || key[0] == '#' || key[0] == '%' || strings.ContainsAny(key, "{}"):
		b.WriteByte('#')
		b.WriteString(base64.RawURLEncoding.EncodeToString([]byte(key)))
	default:
		b.WriteString(key)
	}
	b.WriteString("}:")
	b.WriteString(strconv.Itoa(limit))
	b.WriteByte('/')
	b.WriteString(strconv.FormatInt(periodMicros, 10))
	return b.String()
}
