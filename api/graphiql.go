package api

import "net/http"

// graphiql serves GraphiQL's page, graphiql.html of the web app (built from
// frontend/graphiql.html with its own hashed assets, which serveFile
// serves), from memory and compressed once, revalidated like index.html.
// A binary built without the app has a placeholder page there saying
// GraphiQL needs the app built (frontend.Placeholder).
func (s *Server) graphiql() http.HandlerFunc {
	page := &asset{name: "graphiql.html", cache: cacheShell}
	return func(w http.ResponseWriter, r *http.Request) {
		if s.webapp != nil {
			if res := page.resource(s.webapp); res != nil {
				res.ServeHTTP(w, r)
				return
			}
		}
		http.NotFound(w, r)
	}
}
