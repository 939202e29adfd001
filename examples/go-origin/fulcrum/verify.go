// Package fulcrum verifies the identity assertion the Fulcrum auth edge puts in front of every
// request it forwards (`x-fulcrum-assertion`, a compact JWS: EdDSA or ES256, `typ`
// "fulcrum-assertion+jwt") against the edge's JWKS, and hands the identity to handlers.
// Standard library only; Go 1.19.
package fulcrum

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// AssertionHeader is the request header that carries the assertion.
const AssertionHeader = "X-Fulcrum-Assertion"

// AssertionType is the JWS `typ` of an assertion (RFC 8725 §3.11: explicit typing).
const AssertionType = "fulcrum-assertion+jwt"

var (
	ErrMissing         = errors.New("fulcrum: no assertion")
	ErrMalformed       = errors.New("fulcrum: malformed assertion")
	ErrUnknownKid      = errors.New("fulcrum: unknown kid")
	ErrKeysUnavailable = errors.New("fulcrum: JWKS unavailable")
	ErrSignature       = errors.New("fulcrum: bad signature")
	ErrClaims          = errors.New("fulcrum: claims rejected")
)

// Identity is what the edge verified about the caller.
type Identity struct {
	Subject        string   `json:"sub"`
	SessionID      string   `json:"sid,omitempty"`
	TenantID       string   `json:"tid,omitempty"`
	OrgID          string   `json:"org_id,omitempty"`
	OrgRole        string   `json:"org_role,omitempty"`
	OrgPermissions []string `json:"org_permissions,omitempty"`
	TokenType      string   `json:"token_type"`
	MachineID      string   `json:"machine_id,omitempty"`
	Scopes         []string `json:"scopes,omitempty"`
	// Actor is set when the session is an impersonation (Clerk's `act` claim): the user acting as Subject.
	// Nil for a normal session and for machine tokens. Log it, and refuse what an impersonator must not do.
	Actor     *Actor `json:"act,omitempty"`
	ID        string `json:"jti"`
	Issuer    string `json:"iss"`
	ExpiresAt int64  `json:"exp"`
}

// Actor is Clerk's impersonation claim as the edge carries it: Subject is the impersonating user
// (`sub`); other members Clerk may add are kept in Claims.
type Actor struct {
	Subject string                 `json:"sub,omitempty"`
	Claims  map[string]interface{} `json:"-"`
}

// UnmarshalJSON keeps every member of `act` (Claims) and reads `sub` into Subject.
func (a *Actor) UnmarshalJSON(b []byte) error {
	var all map[string]interface{}
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	a.Claims = all
	if sub, ok := all["sub"].(string); ok {
		a.Subject = sub
	}
	return nil
}

// Config says which edge to trust.
type Config struct {
	JWKSURL  string // https://edge.example.com/.well-known/fulcrum/jwks.json
	Issuer   string // the edge's EDGE_ISSUER (default: its origin)
	Audience string // the edge's EDGE_AUDIENCE (default: ORIGIN_URL's origin)
	// Leeway for exp/nbf/iat against clock skew; default 5 s.
	Leeway     time.Duration
	HTTPClient *http.Client
	Now        func() time.Time
}

// Verifier verifies assertions; safe for concurrent use. Build one per edge and keep it.
type Verifier struct {
	cfg  Config
	keys *keySet
}

// NewVerifier builds a verifier; the JWKS is fetched on first use.
func NewVerifier(cfg Config) *Verifier {
	if cfg.Leeway == 0 {
		cfg.Leeway = 5 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, keys: &keySet{url: cfg.JWKSURL, client: cfg.HTTPClient, now: cfg.Now}}
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

type claims struct {
	Identity
	Aud json.RawMessage `json:"aud"`
	Iat *int64          `json:"iat"`
	Nbf *int64          `json:"nbf"`
	Exp *int64          `json:"exp"`
}

func decodeJSON(part string, v interface{}) error {
	raw, err := b64(part)
	if err != nil {
		return ErrMalformed
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return ErrMalformed
	}
	return nil
}

func audienceMatches(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, a := range many {
			if a == want {
				return true
			}
		}
	}
	return false
}

func verifySignature(key publicKey, input, sig []byte) bool {
	switch k := key.key.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, input, sig)
	case *ecdsa.PublicKey:
		if len(sig) != 64 { // JWS ES256 is r‖s, 32 bytes each (RFC 7518 §3.4), not ASN.1
			return false
		}
		digest := sha256.Sum256(input)
		return ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	}
	return false
}

// Verify checks the assertion's form, type, signature (against the key its kid names, with the
// algorithm that key's type allows), issuer, audience and lifetime, and returns the identity.
func (v *Verifier) Verify(token string) (*Identity, error) {
	if token == "" {
		return nil, ErrMissing
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 16<<10 {
		return nil, ErrMalformed
	}
	var h header
	if err := decodeJSON(parts[0], &h); err != nil {
		return nil, err
	}
	if h.Typ != AssertionType || (h.Alg != "EdDSA" && h.Alg != "ES256") || h.Kid == "" {
		return nil, ErrMalformed
	}
	key, err := v.keys.get(h.Kid)
	if err != nil {
		return nil, err
	}
	sig, err := b64(parts[2])
	if err != nil {
		return nil, ErrMalformed
	}
	// RFC 8725 §3.1: the key decides the algorithm.
	if key.alg != h.Alg || !verifySignature(key, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, ErrSignature
	}
	var c claims
	if err := decodeJSON(parts[1], &c); err != nil {
		return nil, err
	}
	now := v.cfg.Now().Unix()
	leeway := int64(v.cfg.Leeway / time.Second)
	switch {
	case c.Issuer != v.cfg.Issuer:
		return nil, fmt.Errorf("%w: iss", ErrClaims)
	case !audienceMatches(c.Aud, v.cfg.Audience):
		return nil, fmt.Errorf("%w: aud", ErrClaims)
	case c.Exp == nil || *c.Exp+leeway <= now:
		return nil, fmt.Errorf("%w: expired", ErrClaims)
	case c.Nbf != nil && *c.Nbf-leeway > now:
		return nil, fmt.Errorf("%w: not yet valid", ErrClaims)
	case c.Iat == nil || *c.Iat-leeway > now:
		return nil, fmt.Errorf("%w: iat", ErrClaims)
	case c.Subject == "" || c.TokenType == "":
		return nil, ErrClaims
	}
	id := c.Identity
	id.ExpiresAt = *c.Exp
	return &id, nil
}

type ctxKey struct{}

// IdentityFrom returns the identity the middleware verified.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(*Identity)
	return id, ok
}

// Middleware refuses a request without a valid assertion (401; 503 when the JWKS cannot be
// fetched) and puts the identity in the request context. Plain x-fulcrum-* headers are only a
// convenience: trust the context.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := v.Verify(r.Header.Get(AssertionHeader))
		if err != nil {
			status := http.StatusUnauthorized
			if errors.Is(err, ErrKeysUnavailable) {
				status = http.StatusServiceUnavailable
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":"invalid_assertion"}`))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, id)))
	})
}
