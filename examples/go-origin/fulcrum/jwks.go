package fulcrum

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// RefetchCooldown is the least time between two JWKS fetches caused by unknown kids: a flood of
// assertions with random kids cannot turn into a flood of requests to the edge.
const RefetchCooldown = 30 * time.Second

const maxJWKSBytes = 64 << 10

type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
}

type publicKey struct {
	alg string // "EdDSA" or "ES256": the algorithm the key's type allows, never the token's choice
	key crypto.PublicKey
}

// keySet caches the edge's public keys by kid.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu        sync.Mutex
	keys      map[string]publicKey
	lastFetch time.Time
	fetched   bool
	fetches   int
}

func b64(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func parseJWK(k jwk) (publicKey, error) {
	switch {
	case k.Kty == "OKP" && k.Crv == "Ed25519":
		x, err := b64(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return publicKey{}, errors.New("bad Ed25519 key")
		}
		return publicKey{alg: "EdDSA", key: ed25519.PublicKey(x)}, nil
	case k.Kty == "EC" && k.Crv == "P-256":
		x, errX := b64(k.X)
		y, errY := b64(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return publicKey{}, errors.New("bad P-256 key")
		}
		pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
		if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
			return publicKey{}, errors.New("P-256 point not on the curve")
		}
		return publicKey{alg: "ES256", key: pub}, nil
	}
	return publicKey{}, fmt.Errorf("unsupported key type %s/%s", k.Kty, k.Crv)
}

func (s *keySet) fetch() (map[string]publicKey, error) {
	resp, err := s.client.Get(s.url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxJWKSBytes {
		return nil, errors.New("JWKS: too large")
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys := make(map[string]publicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kid == "" {
			continue
		}
		if pk, err := parseJWK(k); err == nil {
			keys[k.Kid] = pk
		}
	}
	return keys, nil
}

// get returns the key for kid, fetching the set on first use and refetching on an unknown kid at
// most once per RefetchCooldown. A failed refetch keeps the keys already known (stale-if-error).
func (s *keySet) get(kid string) (publicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	now := s.now()
	if s.fetched && now.Sub(s.lastFetch) < RefetchCooldown {
		return publicKey{}, ErrUnknownKid
	}
	s.lastFetch = now
	s.fetched = true
	s.fetches++
	keys, err := s.fetch()
	if err != nil {
		return publicKey{}, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
	}
	s.keys = keys
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	return publicKey{}, ErrUnknownKid
}
