package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
)

// cookieName holds a digest of the token, set after a ?token= visit.
const cookieName = "xuexibot_token"

// auth checks the access token. The cookie carries a digest rather than the
// token itself, so a leaked cookie does not reveal the token for the
// Authorization header, though it does open the page like the token.
type auth struct {
	want   [sha256.Size]byte // digest of the token; unused when off
	cookie string            // cookie value: digest of the token under another label
	on     bool
	log    *slog.Logger
}

func newAuth(token string, log *slog.Logger) *auth {
	a := &auth{on: token != "", log: log}
	if a.on {
		a.want = sha256.Sum256([]byte(token))
		c := sha256.Sum256([]byte("xuexibot dashboard cookie\x00" + token))
		a.cookie = hex.EncodeToString(c[:])
	}
	return a
}

// match compares digests, which have equal length whatever was sent, in
// constant time.
func (a *auth) match(got string) bool {
	g := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(g[:], a.want[:]) == 1
}

func (a *auth) matchCookie(got string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(a.cookie)) == 1
}

func (a *auth) require(next http.Handler) http.Handler {
	if !a.on {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if ok && a.match(strings.TrimSpace(tok)) {
				next.ServeHTTP(w, r)
				return
			}
			a.deny(w, r, "bad authorization header")
			return
		}
		if q := r.URL.Query(); q.Has("token") {
			if !a.match(q.Get("token")) {
				a.deny(w, r, "bad query token")
				return
			}
			http.SetCookie(w, &http.Cookie{
				Name: cookieName, Value: a.cookie, Path: "/",
				HttpOnly: true, SameSite: http.SameSiteStrictMode,
				Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
				MaxAge: 30 * 24 * 3600,
			})
			// Drop the token from the address bar and history; the cookie
			// now carries it, also for the page's own refresh.
			q.Del("token")
			u := *r.URL
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
			return
		}
		if c, err := r.Cookie(cookieName); err == nil && a.matchCookie(c.Value) {
			next.ServeHTTP(w, r)
			return
		}
		a.deny(w, r, "no token")
	})
}

func (a *auth) deny(w http.ResponseWriter, r *http.Request, why string) {
	// Never log what was sent: it may be a mistyped real token.
	a.log.Info("web: access refused", "path", r.URL.Path, "remote", r.RemoteAddr, "why", why)
	w.Header().Set("WWW-Authenticate", `Bearer realm="xuexibot"`)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte("需要有效的访问令牌：请使用管理员提供的链接打开 (a valid token is required)\n"))
}
