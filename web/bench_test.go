package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"xuexibot/web"
)

// BenchmarkDashboard renders / over the seeded bolt store: one summary, one
// lagging list and the template, as every browser's refresh costs.
func BenchmarkDashboard(b *testing.B) {
	st := seededB(b)
	h, err := web.New(web.Config{Source: st, Ping: st.Ping, Now: clock})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET /: %d", rec.Code)
		}
	}
}
