package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/client"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/logger"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/utils"

	"xuexibot/bot"
)

// Declines for conversations the bot does not serve.
const (
	TextNotThisGroup = "抱歉，本机器人只在湖南省高校“学习强国”推广工作群中提供服务。"
	TextNotAdmin     = "抱歉，单聊仅对管理员开放，请在工作群中 @我 发送命令。"
)

// Submitter takes a message for handling; *bot.Dispatcher is one.
type Submitter interface {
	// SubmitWith queues m for h (nil: the default handler); reply answers.
	// It waits only while its queue is full, until ctx ends.
	SubmitWith(ctx context.Context, m bot.Message, h bot.Handler, reply bot.ReplyFunc) error
}

// Stream receives bot messages over DingTalk's stream mode and hands them
// to a Submitter, answering through a Client.
type Stream struct {
	cfg    Config
	opt    Options
	client *Client
	sub    Submitter
	admins map[string]bool
	log    *slog.Logger

	connected atomic.Bool
}

// NewStream returns a stream adapter; Run connects it.
func NewStream(cfg Config, c *Client, sub Submitter, o Options) (*Stream, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("dingtalk: stream: client_id and client_secret are required")
	}
	if c == nil || sub == nil {
		return nil, errors.New("dingtalk: stream: nil client or submitter")
	}
	o = o.withDefaults()
	s := &Stream{cfg: cfg, opt: o, client: c, sub: sub, admins: map[string]bool{}, log: o.Logger}
	for _, a := range cfg.Admins {
		if a = strings.TrimSpace(a); a != "" {
			s.admins[a] = true
		}
	}
	if cfg.GroupID == "" {
		s.log.Warn("dingtalk: no group_id configured: every group is declined; the id of a group that @-mentions the bot is logged")
	}
	return s, nil
}

// Connected reports whether the stream connection is up, as last seen by
// the watcher (at most Options.Watch ago).
func (s *Stream) Connected() bool { return s.connected.Load() }

// Run connects and keeps the connection up until ctx ends, then closes it
// and returns nil. Messages are handed to the Submitter as they come.
func (s *Stream) Run(ctx context.Context) error {
	cli := newSDKClient(s.cfg, s.opt)
	cli.RegisterRouter(utils.SubscriptionTypeKCallback, payload.BotMessageCallbackTopic, s.onFrame)
	watch(ctx, cli, s.opt, &s.connected)
	return nil
}

// sdkLogger guards the SDK's one global logger. The SDK sets it lazily on
// first use without a lock, a data race once two clients start at once (as
// replicas in one test process do); setting it once here, before any client
// exists, makes every later use a read. It is a logger that drops
// everything: the SDK's debug output carries the client secret and message
// bodies, and what matters of the rest the watcher logs itself.
var sdkLogger sync.Once

type quietLogger struct{}

func (quietLogger) Debugf(string, ...any)   {}
func (quietLogger) Infof(string, ...any)    {}
func (quietLogger) Warningf(string, ...any) {}
func (quietLogger) Errorf(string, ...any)   {}
func (quietLogger) Fatalf(string, ...any)   {}

func newSDKClient(cfg Config, o Options) *client.StreamClient {
	sdkLogger.Do(func() { logger.SetLogger(quietLogger{}) })
	return client.NewStreamClient(
		client.WithAppCredential(client.NewAppCredentialConfig(cfg.ClientID, cfg.ClientSecret)),
		client.WithOpenApiHost(cfg.APIHost),
		client.WithKeepAlive(o.KeepAlive),
		client.WithMaxPendingHandlers(o.MaxPendingHandlers),
		// The watcher below re-opens the connection; see watch.
		client.WithAutoReconnect(false),
	)
}

// watch keeps cli connected until ctx ends, then closes it.
//
// Why not the SDK's own reconnect: it does not retry when the first Start
// fails, and it exposes neither the connection's state nor when it
// reconnected. So auto-reconnect is off and this loop calls Start every
// o.Watch: Start is a no-op while a connection is up and opens a new one
// after the SDK dropped its connection (read error, SYSTEM disconnect, or
// no pong within 5 s of a keep-alive ping). An httptrace hook on Start's
// context tells a no-op from a new connection: only the latter registers
// over HTTP. Failures back off from 1 s to 30 s with jitter.
func watch(ctx context.Context, cli *client.StreamClient, o Options, connected *atomic.Bool) {
	defer func() {
		connected.Store(false)
		cli.Close()
	}()
	const minBackoff, maxBackoff = time.Second, 30 * time.Second
	backoff := minBackoff
	opened := false
	for {
		var dialed atomic.Bool
		tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GetConn: func(string) { dialed.Store(true) }})
		tctx, cancel := context.WithTimeout(tctx, 20*time.Second)
		err := cli.Start(tctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		wait := o.Watch
		switch {
		case err != nil:
			connected.Store(false)
			wait = backoff + rand.N(backoff/4+1)
			backoff = min(2*backoff, maxBackoff)
			// The SDK's error holds the server's answer, never the secret.
			o.Logger.Warn("dingtalk: stream connect failed", "err", err, "retry_in", wait)
		case dialed.Load():
			if opened {
				o.Logger.Info("dingtalk: stream reconnected")
				if o.Metrics != nil {
					o.Metrics.Reconnected()
				}
			} else {
				o.Logger.Info("dingtalk: stream connected")
			}
			opened = true
			backoff = minBackoff
			connected.Store(true)
		default:
			connected.Store(true)
		}
		if sleep(ctx, wait) != nil {
			return
		}
	}
}

// callback is the decoded data of a bot message frame; the SDK's model
// lacks errorMessage and the fields of quoted replies.
type callback struct {
	MsgID             string `json:"msgId"`
	ConversationID    string `json:"conversationId"`
	ConversationType  string `json:"conversationType"`
	ConversationTitle string `json:"conversationTitle"`
	SenderStaffID     string `json:"senderStaffId"`
	SenderNick        string `json:"senderNick"`
	Text              *struct {
		Content string `json:"content"`
	} `json:"text"`
	SessionWebhook            string `json:"sessionWebhook"`
	SessionWebhookExpiredTime int64  `json:"sessionWebhookExpiredTime"`
	CreateAt                  int64  `json:"createAt"`
	RobotCode                 string `json:"robotCode"`
	MsgType                   string `json:"msgtype"`
	ErrorMessage              string `json:"errorMessage"`
}

// onFrame hands one bot message to the Submitter and returns at once, so
// the SDK ACKs the frame. Only when the Submitter refuses (shutting down, or
// its queue stayed full until the connection died) does it return an error,
// which the SDK ACKs as code 500 rather than 200.
func (s *Stream) onFrame(ctx context.Context, df *payload.DataFrame) (*payload.DataFrameResponse, error) {
	var cb callback
	if err := json.Unmarshal([]byte(df.Data), &cb); err != nil {
		// It would not decode any better when redelivered.
		s.log.Error("dingtalk: undecodable bot message", "frame", df.GetMessageId(), "err", err)
		return payload.NewSuccessDataFrameResponse(), nil
	}
	s.client.learnRobotCode(cb.RobotCode)
	m, sess := s.message(cb)
	if cb.ErrorMessage != "" {
		s.log.Warn("dingtalk: message arrived with an error (quota?)", "msg", m.ID, "error", cb.ErrorMessage)
	}
	h := s.decline(m)
	reply := func(ctx context.Context, r bot.Reply) error { return s.client.Reply(ctx, sess, r) }
	if err := s.sub.SubmitWith(ctx, m, h, reply); err != nil {
		s.log.Error("dingtalk: message not taken", "msg", m.ID, "err", err)
		return nil, fmt.Errorf("dingtalk: message %s not taken: %w", m.ID, err)
	}
	return payload.NewSuccessDataFrameResponse(), nil
}

func (s *Stream) message(cb callback) (bot.Message, Session) {
	m := bot.Message{
		ID:           cb.MsgID,
		Conversation: cb.ConversationID,
		Type:         bot.ConversationType(cb.ConversationType),
		Title:        cb.ConversationTitle,
		Sender:       bot.User{ID: cb.SenderStaffID, Nick: cb.SenderNick},
		At:           time.UnixMilli(cb.CreateAt),
	}
	if cb.CreateAt == 0 {
		m.At = s.opt.Now()
	}
	if cb.Text != nil && (cb.MsgType == "" || cb.MsgType == "text") {
		// DingTalk leaves the space that followed the @mention.
		m.Text = strings.TrimSpace(cb.Text.Content)
	}
	sess := Session{
		MsgID:        cb.MsgID,
		Webhook:      cb.SessionWebhook,
		Expires:      time.UnixMilli(cb.SessionWebhookExpiredTime),
		Conversation: cb.ConversationID,
		Type:         m.Type,
		Sender:       m.Sender,
	}
	return m, sess
}

// decline returns a Handler that politely turns m away, or nil when the bot
// serves m's conversation: the configured group, and 1:1 chats of admins.
// External members have no staffId and are never admins.
func (s *Stream) decline(m bot.Message) bot.Handler {
	switch {
	case m.Type == bot.Group && m.Conversation == s.cfg.GroupID && s.cfg.GroupID != "":
		return nil
	case m.Type == bot.Direct && m.Sender.ID != "" && s.admins[m.Sender.ID]:
		return nil
	case m.Type == bot.Direct:
		s.log.Info("dingtalk: 1:1 chat of a non-admin declined", "msg", m.ID, "sender", m.Sender.ID)
		return fixed(TextNotAdmin)
	}
	// The operator finds the group's id here to put in group_id.
	s.log.Info("dingtalk: group not served declined", "msg", m.ID, "conversation", m.Conversation, "title", m.Title)
	return fixed(TextNotThisGroup)
}

func fixed(text string) bot.Handler {
	return bot.HandlerFunc(func(context.Context, bot.Message) bot.Reply { return bot.Reply{Markdown: text} })
}
