package dingtalk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"xuexibot/bot"
)

// Session is where to answer one received message: its sessionWebhook while
// that lives, else the group (or, for a 1:1 chat, the person) through the
// OpenAPI.
type Session struct {
	MsgID        string
	Webhook      string
	Expires      time.Time
	Conversation string
	Type         bot.ConversationType
	Sender       bot.User
}

// sessionMargin: a sessionWebhook this close to its expiry is not tried.
const sessionMargin = 5 * time.Second

// trusted reports whether a sessionWebhook from a frame may be posted to:
// https on DingTalk's own hosts, or the host of api_host (a proxy or the
// test fake). Anything else a frame carries is refused, so a forged or
// misrouted frame cannot make the bot post elsewhere.
func (c *Client) trusted(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == c.apiHost && (u.Scheme == "https" || u.Scheme == "http") {
		return true
	}
	return u.Scheme == "https" && (host == "dingtalk.com" || strings.HasSuffix(host, ".dingtalk.com"))
}

// Reply answers the message s came with. In a group the sender is
// @-mentioned. Expired, refused (other host) or rejected sessionWebhooks fall
// back to the OpenAPI. An error after part of a long reply went out wraps
// bot.ErrPartialReply.
func (c *Client) Reply(ctx context.Context, s Session, r bot.Reply) error {
	log := c.opt.Logger.With("msg", s.MsgID)
	if s.Type == bot.Group && s.Sender.ID != "" &&
		!slices.ContainsFunc(r.Mentions, func(m bot.Mention) bool { return m.UserID == s.Sender.ID }) {
		r.Mentions = append([]bot.Mention{{UserID: s.Sender.ID, Name: s.Sender.Nick}}, r.Mentions...)
	}
	switch {
	case s.Webhook == "":
	case !c.trusted(s.Webhook):
		log.Warn("dingtalk: sessionWebhook on an untrusted host refused", "host", hostOf(s.Webhook))
	case !c.opt.Now().Add(sessionMargin).Before(s.Expires):
		log.Info("dingtalk: sessionWebhook expired, answering through the OpenAPI")
	default:
		err := c.postSession(ctx, s, r)
		var api *APIError
		var te *ThrottledError
		switch {
		case err == nil, errors.Is(err, bot.ErrPartialReply), errors.As(err, &te), !errors.As(err, &api):
			// Sent, partly sent, throttled, or unknown fate (network):
			// falling back could say it twice.
			return err
		}
		log.Warn("dingtalk: sessionWebhook refused, answering through the OpenAPI", "err", err)
	}
	if s.Type == bot.Direct {
		return c.SendUser(ctx, s.Sender.ID, r)
	}
	return c.SendGroup(ctx, s.Conversation, r)
}

func (c *Client) postSession(ctx context.Context, s Session, r bot.Reply) error {
	const op = "session reply"
	rd := render(r, true, webhookBudget)
	return rd.sendParts(func(i int) error {
		b := rd.webhookBody(i, "")
		return c.retry(ctx, "", func(ctx context.Context) error {
			status, hdr, body, err := c.post(ctx, op, s.Webhook, nil, b)
			if err != nil {
				return err
			}
			return webhookError(op, status, hdr, body)
		})
	})
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("(unparsable, %d bytes)", len(raw))
	}
	return u.Host
}
