package api

import (
	"net/http"
	"net/http/pprof"
)

// profiling serves the Go runtime's profiles (net/http/pprof) under
// /debug/pprof/ to holders of the operator token only: an address in
// operator-cidrs is not enough, as a profile costs the instance CPU for as
// long as it runs and shows its code's inner workings. Everyone else gets
// the operator pages' 403. The command line (pprof's cmdline) is not
// served: flags may carry secrets.
//
//	curl -H "Authorization: Bearer $FACESTAT_OPERATOR_TOKEN" \
//	  -o cpu.pprof 'https://facestat.example/debug/pprof/profile?seconds=20'
//	go tool pprof -top cpu.pprof
func (s *Server) profiling() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/{$}", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/{name}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("name") == "cmdline" {
			http.NotFound(w, r)
			return
		}
		pprof.Handler(r.PathValue("name")).ServeHTTP(w, r)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !s.hasOperatorToken(r) {
			http.Error(w, "operators only (the operator-token as a bearer token)", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
