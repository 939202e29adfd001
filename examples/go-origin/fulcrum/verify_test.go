package fulcrum

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	issuer   = "https://edge.fulcrum.test"
	audience = "https://api.fulcrum.test"
)

type signer struct {
	kid string
	ed  ed25519.PrivateKey
	ec  *ecdsa.PrivateKey
}

func newEd(t *testing.T, kid string) signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{kid: kid, ed: priv}
}

func newEC(t *testing.T, kid string) signer {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{kid: kid, ec: priv}
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func pad32(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }

func (s signer) jwk() map[string]string {
	if s.ed != nil {
		return map[string]string{
			"kty": "OKP", "crv": "Ed25519", "x": enc(s.ed.Public().(ed25519.PublicKey)),
			"kid": s.kid, "alg": "EdDSA", "use": "sig",
		}
	}
	return map[string]string{
		"kty": "EC", "crv": "P-256", "x": enc(pad32(s.ec.X.Bytes())), "y": enc(pad32(s.ec.Y.Bytes())),
		"kid": s.kid, "alg": "ES256", "use": "sig",
	}
}

func (s signer) sign(t *testing.T, claims map[string]interface{}) string {
	alg := "EdDSA"
	if s.ec != nil {
		alg = "ES256"
	}
	h, _ := json.Marshal(map[string]string{"alg": alg, "kid": s.kid, "typ": AssertionType})
	c, _ := json.Marshal(claims)
	input := enc(h) + "." + enc(c)
	var sig []byte
	if s.ed != nil {
		sig = ed25519.Sign(s.ed, []byte(input))
	} else {
		digest := sha256.Sum256([]byte(input))
		r, ss, err := ecdsa.Sign(rand.Reader, s.ec, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(pad32(r.Bytes()), pad32(ss.Bytes())...)
	}
	return input + "." + enc(sig)
}

func claimsAt(now time.Time) map[string]interface{} {
	return map[string]interface{}{
		"iss": issuer, "aud": audience, "sub": "user_1", "sid": "sess_1", "tid": "user_1",
		"org_id": nil, "token_type": "session_token", "scopes": []string{},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Unix() + 60, "jti": "j1",
	}
}

// edge serves a JWKS that tests can change, and counts fetches.
type edge struct {
	mu      sync.Mutex
	keys    []signer
	fetches int
	srv     *httptest.Server
}

func newEdge(t *testing.T, keys ...signer) *edge {
	e := &edge{keys: keys}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.fetches++
		set := []map[string]string{}
		for _, k := range e.keys {
			set = append(set, k.jwk())
		}
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"keys": set})
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *edge) set(keys ...signer) { e.mu.Lock(); e.keys = keys; e.mu.Unlock() }

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func verifierFor(e *edge, c *clock) *Verifier {
	return NewVerifier(Config{JWKSURL: e.srv.URL, Issuer: issuer, Audience: audience, Now: c.now})
}

func TestValidEdDSAAndES256(t *testing.T) {
	ed, ec := newEd(t, "ed"), newEC(t, "ec")
	c := &clock{time.Now()}
	v := verifierFor(newEdge(t, ed, ec), c)
	for _, s := range []signer{ed, ec} {
		id, err := v.Verify(s.sign(t, claimsAt(c.t)))
		if err != nil {
			t.Fatalf("%s: %v", s.kid, err)
		}
		if id.Subject != "user_1" || id.SessionID != "sess_1" || id.TenantID != "user_1" || id.TokenType != "session_token" {
			t.Fatalf("%s: identity %+v", s.kid, id)
		}
	}
}

func TestActor(t *testing.T) {
	s := newEd(t, "k")
	c := &clock{time.Now()}
	v := verifierFor(newEdge(t, s), c)
	id, err := v.Verify(s.sign(t, claimsAt(c.t)))
	if err != nil || id.Actor != nil {
		t.Fatalf("no act: %v %+v", err, id.Actor)
	}
	claims := claimsAt(c.t)
	claims["act"] = map[string]interface{}{"sub": "user_admin", "iss": "https://dashboard.clerk.com"}
	id, err = v.Verify(s.sign(t, claims))
	if err != nil || id.Actor == nil || id.Actor.Subject != "user_admin" || id.Actor.Claims["iss"] != "https://dashboard.clerk.com" {
		t.Fatalf("act: %v %+v", err, id.Actor)
	}
	claims["act"] = nil
	id, err = v.Verify(s.sign(t, claims))
	if err != nil || id.Actor != nil {
		t.Fatalf("act null: %v %+v", err, id.Actor)
	}
}

func TestTampered(t *testing.T) {
	s := newEd(t, "k")
	c := &clock{time.Now()}
	v := verifierFor(newEdge(t, s), c)
	token := s.sign(t, claimsAt(c.t))
	parts := strings.Split(token, ".")
	forged := claimsAt(c.t)
	forged["sub"] = "user_admin"
	body, _ := json.Marshal(forged)
	if _, err := v.Verify(parts[0] + "." + enc(body) + "." + parts[2]); !errors.Is(err, ErrSignature) {
		t.Fatalf("tampered payload: %v", err)
	}
	sig := []byte(parts[2])
	sig[3] ^= 1
	if _, err := v.Verify(parts[0] + "." + parts[1] + "." + string(sig)); err == nil {
		t.Fatal("tampered signature accepted")
	}
}

func TestExpiredAndNotYetValid(t *testing.T) {
	s := newEd(t, "k")
	c := &clock{time.Now()}
	v := verifierFor(newEdge(t, s), c)
	token := s.sign(t, claimsAt(c.t))
	c.t = c.t.Add(64 * time.Second) // within the 5 s leeway
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	c.t = c.t.Add(2 * time.Second)
	if _, err := v.Verify(token); !errors.Is(err, ErrClaims) {
		t.Fatalf("expired: %v", err)
	}
	c.t = time.Now()
	future := claimsAt(c.t.Add(time.Minute))
	if _, err := v.Verify(s.sign(t, future)); !errors.Is(err, ErrClaims) {
		t.Fatalf("nbf in the future: %v", err)
	}
}

func TestWrongAudienceAndIssuer(t *testing.T) {
	s := newEd(t, "k")
	c := &clock{time.Now()}
	v := verifierFor(newEdge(t, s), c)
	wrongAud := claimsAt(c.t)
	wrongAud["aud"] = "https://other.test"
	if _, err := v.Verify(s.sign(t, wrongAud)); !errors.Is(err, ErrClaims) {
		t.Fatalf("wrong aud: %v", err)
	}
	listAud := claimsAt(c.t)
	listAud["aud"] = []string{"https://other.test", audience}
	if _, err := v.Verify(s.sign(t, listAud)); err != nil {
		t.Fatalf("aud list: %v", err)
	}
	wrongIss := claimsAt(c.t)
	wrongIss["iss"] = "https://evil.test"
	if _, err := v.Verify(s.sign(t, wrongIss)); !errors.Is(err, ErrClaims) {
		t.Fatalf("wrong iss: %v", err)
	}
}

func TestUnknownKidRefetchesAtMostOncePer30s(t *testing.T) {
	s := newEd(t, "known")
	stranger := newEd(t, "stranger")
	c := &clock{time.Now()}
	e := newEdge(t, s)
	v := verifierFor(e, c)
	if _, err := v.Verify(s.sign(t, claimsAt(c.t))); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := v.Verify(stranger.sign(t, claimsAt(c.t))); !errors.Is(err, ErrUnknownKid) {
			t.Fatalf("unknown kid: %v", err)
		}
	}
	if e.fetches != 1 {
		t.Fatalf("fetches within the cooldown: %d, want 1", e.fetches)
	}
	c.t = c.t.Add(RefetchCooldown)
	_, _ = v.Verify(stranger.sign(t, claimsAt(c.t)))
	if e.fetches != 2 {
		t.Fatalf("fetches after the cooldown: %d, want 2", e.fetches)
	}
}

func TestRotatedKey(t *testing.T) {
	old, next := newEd(t, "old"), newEC(t, "new")
	c := &clock{time.Now()}
	e := newEdge(t, old)
	v := verifierFor(e, c)
	oldToken := old.sign(t, claimsAt(c.t))
	if _, err := v.Verify(oldToken); err != nil {
		t.Fatal(err)
	}
	// The edge rotates: EDGE_SIGNING_KEY=new, EDGE_SIGNING_KEY_PREVIOUS=old. The first assertion with
	// the new kid refetches (the cooldown since the first fetch has passed) and both verify.
	e.set(next, old)
	c.t = c.t.Add(RefetchCooldown + time.Second)
	fresh := claimsAt(c.t)
	if _, err := v.Verify(next.sign(t, fresh)); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if _, err := v.Verify(old.sign(t, fresh)); err != nil {
		t.Fatalf("previous key during the overlap: %v", err)
	}
}

func TestHeaderRules(t *testing.T) {
	s := newEd(t, "k")
	c := &clock{time.Now()}
	v := verifierFor(newEdge(t, s), c)
	token := s.sign(t, claimsAt(c.t))
	parts := strings.Split(token, ".")
	for name, h := range map[string]map[string]string{
		"alg none":   {"alg": "none", "kid": "k", "typ": AssertionType},
		"wrong typ":  {"alg": "EdDSA", "kid": "k", "typ": "JWT"},
		"alg switch": {"alg": "ES256", "kid": "k", "typ": AssertionType},
		"no kid":     {"alg": "EdDSA", "typ": AssertionType},
	} {
		raw, _ := json.Marshal(h)
		if _, err := v.Verify(enc(raw) + "." + parts[1] + "." + parts[2]); err == nil {
			t.Fatalf("%s accepted", name)
		}
	}
	for _, bad := range []string{"", "a.b", "a.b.c.d", "!!.??.**"} {
		if _, err := v.Verify(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestMiddleware(t *testing.T) {
	s := newEd(t, "k")
	c := &clock{time.Now()}
	v := verifierFor(newEdge(t, s), c)
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := IdentityFrom(r.Context())
		if !ok {
			t.Fatal("no identity in context")
		}
		_, _ = w.Write([]byte(id.Subject))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/x", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("no assertion: %d", rec.Code)
	}
	req := httptest.NewRequest("GET", "/api/x", nil)
	req.Header.Set(AssertionHeader, s.sign(t, claimsAt(c.t)))
	req.Header.Set("X-Fulcrum-User-Id", "user_spoof")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.String() != "user_1" {
		t.Fatalf("valid: %d %q", rec.Code, rec.Body.String())
	}
}

func TestJWKSDown(t *testing.T) {
	s := newEd(t, "k")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	v := NewVerifier(Config{JWKSURL: srv.URL, Issuer: issuer, Audience: audience})
	if _, err := v.Verify(s.sign(t, claimsAt(time.Now()))); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("JWKS down: %v", err)
	}
}
