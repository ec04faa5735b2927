package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/utils"
)

// Echo is the floor for benchmarks: a bot on the same SDK and connection
// handling as Stream that answers every message with its own text straight
// to the sessionWebhook, with no dispatcher, dedupe, store or commands. No
// bot built on this SDK can answer faster through the same link.
type Echo struct {
	cfg       Config
	opt       Options
	client    *Client
	connected atomic.Bool
	wg        sync.WaitGroup
}

// NewEcho returns an echo bot; Run connects it.
func NewEcho(cfg Config, o Options) (*Echo, error) {
	c, err := NewClient(cfg, o)
	if err != nil {
		return nil, err
	}
	if c.cfg.ClientID == "" || c.cfg.ClientSecret == "" {
		return nil, errors.New("dingtalk: echo: client_id and client_secret are required")
	}
	return &Echo{cfg: c.cfg, opt: c.opt, client: c}, nil
}

// Connected reports whether the stream connection is up.
func (e *Echo) Connected() bool { return e.connected.Load() }

// Run answers messages until ctx ends, then waits for replies in flight.
func (e *Echo) Run(ctx context.Context) error {
	cli := newSDKClient(e.cfg, e.opt)
	cli.RegisterRouter(utils.SubscriptionTypeKCallback, payload.BotMessageCallbackTopic, e.onFrame)
	watch(ctx, cli, e.opt, &e.connected)
	e.wg.Wait()
	return nil
}

func (e *Echo) onFrame(_ context.Context, df *payload.DataFrame) (*payload.DataFrameResponse, error) {
	var cb callback
	if err := json.Unmarshal([]byte(df.Data), &cb); err == nil && cb.Text != nil && e.client.trusted(cb.SessionWebhook) {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			text := strings.TrimSpace(cb.Text.Content)
			body := marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
			status, hdr, b, err := e.client.post(context.Background(), "echo", cb.SessionWebhook, nil, body)
			if err == nil {
				err = webhookError("echo", status, hdr, b)
			}
			if err != nil {
				e.opt.Logger.Error("dingtalk: echo reply", "err", err)
			}
		}()
	}
	return payload.NewSuccessDataFrameResponse(), nil
}
