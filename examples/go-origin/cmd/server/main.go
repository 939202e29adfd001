// Command server is an example Fulcrum API origin behind the auth edge: every request under /api/
// must carry a valid x-fulcrum-assertion; the handler echoes the verified identity.
//
//	EDGE_URL=http://127.0.0.1:8787 AUDIENCE=http://127.0.0.1:8789 go run ./cmd/server
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"example.com/fulcrum-go-origin/fulcrum"
)

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	edge := env("EDGE_URL", "http://127.0.0.1:8787")
	listen := env("LISTEN", "127.0.0.1:8789")
	v := fulcrum.NewVerifier(fulcrum.Config{
		JWKSURL:  env("JWKS_URL", edge+"/.well-known/fulcrum/jwks.json"),
		Issuer:   env("ISSUER", edge),
		Audience: env("AUDIENCE", "http://"+listen),
	})
	mux := http.NewServeMux()
	mux.Handle("/api/", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := fulcrum.IdentityFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]interface{}{
			"origin":   "go-origin",
			"method":   r.Method,
			"path":     r.URL.Path,
			"verified": true,
			"identity": id,
		})
	})))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	log.Printf("go-origin: listening on %s, trusting %s", listen, edge)
	log.Fatal(http.ListenAndServe(listen, mux))
}
