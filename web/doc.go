// Package web serves xuexibot over HTTP: a progress dashboard for
// leadership at /, and /healthz, /readyz and /metrics for operators.
//
// # Dashboard
//
// The dashboard is one Chinese page rendered on the server with
// html/template from the same report.Summary and report.Lagging that
// /summary and the weekly report use, so the page and the chat never
// disagree. It loads nothing from elsewhere (no CDN, no web fonts; the CSS
// is inline) because government networks are often closed, fits a phone
// screen, and reloads itself every minute. The lagging schools sit in the
// element with id="lagging", which tests and bookmarks rely on.
//
// # Access
//
// A token is required whenever the listener is not on loopback: New fails
// when Listen is not a loopback address and Token is empty. With a token
// set, / and /metrics need it, either as Authorization: Bearer TOKEN (for
// Prometheus) or as ?token=TOKEN (for a bookmark). A token in the query is
// exchanged for a cookie and the browser is redirected to the same page
// without it, so the token leaves the address bar and history and the
// page's own refresh keeps working. Tokens are compared in constant time.
// /healthz and /readyz never need the token: probes rarely can send one,
// and they reveal no data.
//
// # Readiness
//
// /readyz answers 200 when the store answers Ping and, when DingTalk is
// configured (Connected is not nil), the stream connection is up; else 503
// with every reason in Chinese and English. Without DingTalk (console or a
// local run) readiness needs only the store. Error details go to the log,
// not to the unauthenticated response.
package web
