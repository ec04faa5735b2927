package dingtalk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// tokens caches the app's access token. Callers that find it missing or
// stale share one fetch (singleflight), which runs on its own deadline so a
// caller giving up does not fail the others.
type tokens struct {
	c *Client

	mu      sync.Mutex
	token   string
	expires time.Time
	call    *tokenCall
}

type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// get returns a valid token, fetching one when needed.
func (t *tokens) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	if t.token != "" && t.c.opt.Now().Before(t.expires) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	call := t.call
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		t.call = call
		go t.fetch(call)
	}
	t.mu.Unlock()
	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", fmt.Errorf("dingtalk: access token: %w", ctx.Err())
	}
}

// invalidate drops tok if it is still the cached one (the server refused it).
func (t *tokens) invalidate(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == tok {
		t.token = ""
	}
}

func (t *tokens) fetch(call *tokenCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	tok, ttl, err := t.request(ctx)
	t.mu.Lock()
	if err == nil {
		// Renew a little before DingTalk's expiry (7200 s), so a token
		// never expires between the check and its use.
		margin := min(5*time.Minute, ttl/2)
		t.token, t.expires = tok, t.c.opt.Now().Add(ttl-margin)
	}
	t.call = nil
	t.mu.Unlock()
	call.token, call.err = tok, err
	close(call.done)
}

func (t *tokens) request(ctx context.Context) (string, time.Duration, error) {
	const op = "access token"
	body := marshal(map[string]string{"appKey": t.c.cfg.ClientID, "appSecret": t.c.cfg.ClientSecret})
	status, hdr, b, err := t.c.post(ctx, op, t.c.cfg.APIHost+"/v1.0/oauth2/accessToken", nil, body)
	if err != nil {
		return "", 0, err
	}
	if status != http.StatusOK {
		return "", 0, apiError(op, status, hdr, b)
	}
	var r struct {
		AccessToken string `json:"accessToken"`
		ExpireIn    int64  `json:"expireIn"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.AccessToken == "" {
		return "", 0, fmt.Errorf("dingtalk: %s: undecodable answer (HTTP %d)", op, status)
	}
	if r.ExpireIn <= 0 {
		r.ExpireIn = 7200
	}
	return r.AccessToken, time.Duration(r.ExpireIn) * time.Second, nil
}
