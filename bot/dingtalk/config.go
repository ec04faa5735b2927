package dingtalk

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIHost is DingTalk's OpenAPI and stream registration host.
const DefaultAPIHost = "https://api.dingtalk.com"

// Config is what the adapter and the client need from the configuration
// file; main copies config.Config's dingtalk section and admins into it.
type Config struct {
	ClientID     string // AppKey
	ClientSecret string // AppSecret
	// RobotCode is the robot's code for the OpenAPI sends. Empty: the
	// robotCode of the first message received, until then ClientID.
	RobotCode string
	GroupID   string // openConversationId of the work group
	APIHost   string // DefaultAPIHost when empty
	// WebhookURL is an optional custom group robot
	// (…/robot/send?access_token=…), used for group messages that must
	// @-mention people; WebhookSecret is its 加签 secret (SEC…).
	WebhookURL    string
	WebhookSecret string
	// Admins are the staffIds served in 1:1 chats.
	Admins []string
}

// Metrics are the hooks the adapter reports to; metrics.Metrics has them.
type Metrics interface {
	Reconnected()
}

// Options tune the client and the stream adapter. Zero values take the
// defaults shown.
type Options struct {
	Logger *slog.Logger // nil: discard
	// HTTPClient makes every OpenAPI and webhook call; by default one with
	// a 10 s timeout keeping up to 32 idle connections per host. The stream SDK makes its own connections.
	HTTPClient *http.Client
	Now        func() time.Time

	// KeepAlive is the idle time after which the stream client pings the
	// server; a link that then stays silent for 5 s more is dropped and
	// re-opened. 10 s (the SDK's default is 120 s).
	KeepAlive time.Duration
	// Watch is how often the adapter checks the stream connection and
	// re-opens it when it is gone; 1 s.
	Watch time.Duration
	// MaxPendingHandlers caps frames being handed to the Dispatcher at once;
	// the SDK leaves frames beyond it un-ACKed. 1024.
	MaxPendingHandlers int
	Metrics            Metrics // nil: none

	// GroupRate sends per GroupWindow are allowed to one group (or the
	// custom robot, or one person); sends beyond wait their turn. 20 per
	// minute, the custom robot's documented limit.
	GroupRate   int
	GroupWindow time.Duration
	// Retries of a send refused as throttled (429, send.too.fast, busy)
	// before a *ThrottledError is returned; 3 (negative: none). Backoff is the first wait,
	// doubled each time, or the server's Retry-After when longer; 1 s.
	Retries int
	Backoff time.Duration
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		// Replies to a burst go to one or two hosts at once: keep more than
		// net/http's 2 idle connections per host, or each burst re-dials.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 10 * time.Second
	}
	if o.Watch <= 0 {
		o.Watch = time.Second
	}
	if o.MaxPendingHandlers <= 0 {
		o.MaxPendingHandlers = 1024
	}
	if o.GroupRate <= 0 {
		o.GroupRate = 20
	}
	if o.GroupWindow <= 0 {
		o.GroupWindow = time.Minute
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	return o
}

// check validates c and fills its defaults.
func (c Config) check() (Config, error) {
	var errs []error
	if c.APIHost == "" {
		c.APIHost = DefaultAPIHost
	}
	c.APIHost = strings.TrimRight(c.APIHost, "/")
	if u, err := url.Parse(c.APIHost); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("api_host %q is not an http(s) URL", c.APIHost))
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL carries the robot's token: never echo it.
			errs = append(errs, errors.New("webhook_url is not an http(s) URL"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("dingtalk: config: %w", err)
	}
	return c, nil
}
