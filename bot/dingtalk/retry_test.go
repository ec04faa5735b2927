package dingtalk_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/bot"
	"xuexibot/bot/dingtalk"
)

// A sessionWebhook that cannot be connected to for a moment still gets the
// reply: a refused connection delivered nothing, so it is tried again.
func TestReplyRetriedWhenConnectionRefused(t *testing.T) {
	t.Parallel()
	c, _, logs := newClient(t, func(_ *dingtalk.Config, o *dingtalk.Options) {
		o.Backoff = 100 * time.Millisecond
		o.Retries = 5
	})
	// A loopback port with nothing listening yet: the first attempts are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var mu sync.Mutex
	var bodies []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	})}
	go func() {
		time.Sleep(250 * time.Millisecond) // after the first attempt failed
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		srv.Serve(ln)
	}()
	t.Cleanup(func() { srv.Close() })

	s := dingtalk.Session{
		MsgID: "m1", Webhook: "http://" + addr + "/robot/sendBySession?session=x",
		Expires: time.Now().Add(time.Hour), Conversation: "cid", Type: bot.Direct,
		Sender: bot.User{ID: "admin1"},
	}
	if err := c.Reply(context.Background(), s, bot.Reply{Markdown: "进度已更新"}); err != nil {
		t.Fatalf("Reply: %v\n%s", err, logs.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 || !strings.Contains(bodies[0], "进度已更新") {
		t.Errorf("webhook got %d bodies %q, want the reply once", len(bodies), bodies)
	}
	if !strings.Contains(logs.String(), "could not connect, retrying") {
		t.Errorf("no retry was logged:\n%s", logs.String())
	}
}
