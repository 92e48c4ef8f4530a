package fakediscord

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// adminPrefix starts the paths of the emulator's admin surface.
//
// The admin surface does not exist on Discord. It lets black-box tests that
// run the fakediscord binary do what Go tests do through Server's methods.
// All bodies are JSON:
//
//	POST /_fake/mode                {"mode": "approve"|"deny"|"consent"}
//	POST /_fake/fault               a Fault, e.g. {"method": "GET", "path": "/api/v10/users/@me", "status": 429, "retry_after": 1.5}
//	GET  /_fake/requests            [{"method", "path", "status"}, …]
//	GET  /_fake/secrets             ["…", …]
//	GET  /_fake/authorizations      {"count": n}
//	POST /_fake/refresh-token-live  {"token": "…"} → {"live": bool}
//	POST /_fake/access-token-live   {"token": "…"} → {"live": bool}
//
// Admin requests are neither logged in Requests nor subject to faults.
const adminPrefix = "/_fake/"

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	switch route {
	case "POST /_fake/mode":
		var body struct {
			Mode string `json:"mode"`
		}
		if !decodeAdminBody(w, r, &body) {
			return
		}
		mode, ok := ParseMode(body.Mode)
		if !ok {
			writeAdminError(w, fmt.Sprintf("invalid mode %q: use approve, deny or consent", body.Mode))
			return
		}
		s.SetMode(mode)
		writeJSON(w, http.StatusOK, map[string]string{"mode": mode.String()})

	case "POST /_fake/fault":
		var f Fault
		if !decodeAdminBody(w, r, &f) {
			return
		}
		if f.Path == "" || f.Status < 100 || f.Status > 599 {
			writeAdminError(w, "a fault needs a path and a status between 100 and 599")
			return
		}
		s.InjectFault(f)
		writeJSON(w, http.StatusOK, struct{}{})

	case "GET /_fake/requests":
		requests := s.Requests()
		if requests == nil {
			requests = []Request{}
		}
		writeJSON(w, http.StatusOK, requests)

	case "GET /_fake/secrets":
		writeJSON(w, http.StatusOK, append([]string{}, s.Secrets()...))

	case "GET /_fake/authorizations":
		writeJSON(w, http.StatusOK, map[string]int{"count": s.Authorizations()})

	case "POST /_fake/refresh-token-live", "POST /_fake/access-token-live":
		var body struct {
			Token string `json:"token"`
		}
		if !decodeAdminBody(w, r, &body) {
			return
		}
		live := s.RefreshTokenLive(body.Token)
		if r.URL.Path == "/_fake/access-token-live" {
			live = s.AccessTokenLive(body.Token)
		}
		writeJSON(w, http.StatusOK, map[string]bool{"live": live})

	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write(encodeJSON(map[string]string{"error": "unknown admin route " + route}))
	}
}

// decodeAdminBody reads a JSON request body into v, rejecting unknown fields
// so that a misspelt fault does not silently match nothing.
func decodeAdminBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxFormBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeAdminError(w, fmt.Sprintf("invalid JSON body: %v", err))
		return false
	}
	return true
}

func writeAdminError(w http.ResponseWriter, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": message})
}
