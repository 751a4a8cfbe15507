package emulator

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// The inspector: a static page (HTML, CSS, JavaScript; no build step, nothing fetched from
// elsewhere) served at /emulator/ui/. It holds no data of its own: it signs in with a project's id
// and secret and reads the control API with them, so it sees exactly what those credentials see.

//go:embed ui
var uiFiles embed.FS

// uiPrefix is where the inspector is served.
const uiPrefix = "/emulator/ui"

// uiSecurityHeaders keep the page to its own files: no inline script, no third-party request, no
// framing (the page shows codes and sessions).
var uiSecurityHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cache-Control", "no-cache"},
}

// isUIPath reports whether a (slash-collapsed) path is the inspector's.
func isUIPath(path string) bool {
	return path == uiPrefix || strings.HasPrefix(path, uiPrefix+"/")
}

// serveUI serves the inspector's files; path is the request path with leading slashes collapsed.
func (e *Emulator) serveUI(w http.ResponseWriter, r *http.Request, path string) {
	requestID := newID(prefixRequest)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, requestID, newError("method_not_allowed", "Method %s is not allowed on %s (allowed: GET, HEAD).", r.Method, path))
		return
	}
	if path == uiPrefix {
		http.Redirect(w, r, uiPrefix+"/", http.StatusMovedPermanently)
		return
	}
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil { // cannot happen: the directory is embedded
		writeError(w, requestID, &Error{Status: http.StatusInternalServerError, Type: "internal_server_error", Message: err.Error()})
		return
	}
	name := strings.TrimPrefix(path, uiPrefix+"/")
	if name == "" {
		name = "index.html"
	}
	if st, err := fs.Stat(sub, name); err != nil || st.IsDir() {
		writeError(w, requestID, newError("route_not_found", "The inspector has no file %s.", path))
		return
	}
	for _, h := range uiSecurityHeaders {
		w.Header().Set(h[0], h[1])
	}
	http.ServeFileFS(w, r, sub, name)
}
