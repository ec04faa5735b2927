package dingtalk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"xuexibot/bot"
	"xuexibot/store"
)

// Client sends to DingTalk: replies to a message's sessionWebhook, and
// proactive messages to the group or a person through the OpenAPI or the
// custom robot webhook. It is safe for concurrent use.
type Client struct {
	cfg   Config
	opt   Options
	tok   *tokens
	pacer *pacer

	apiHost string // hostname of api_host, whose sessionWebhooks are trusted

	robotMu sync.Mutex
	robot   string // learned from callbacks when Config.RobotCode is empty
}

// NewClient checks cfg and returns a Client. It makes no request.
func NewClient(cfg Config, o Options) (*Client, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	o = o.withDefaults()
	c := &Client{cfg: cfg, opt: o, pacer: newPacer(o.GroupRate, o.GroupWindow)}
	c.tok = &tokens{c: c}
	u, _ := url.Parse(cfg.APIHost)
	c.apiHost = strings.ToLower(u.Hostname())
	return c, nil
}

// robotCode is the configured robot code, else the one seen in callbacks,
// else the AppKey (which DingTalk's consoles commonly show as the code).
func (c *Client) robotCode() string {
	if c.cfg.RobotCode != "" {
		return c.cfg.RobotCode
	}
	c.robotMu.Lock()
	defer c.robotMu.Unlock()
	if c.robot != "" {
		return c.robot
	}
	return c.cfg.ClientID
}

func (c *Client) learnRobotCode(code string) {
	if code == "" || c.cfg.RobotCode != "" {
		return
	}
	c.robotMu.Lock()
	defer c.robotMu.Unlock()
	c.robot = code
}

// post sends a JSON body and returns the status, headers and body; every
// response body is read and closed here.
func (c *Client) post(ctx context.Context, op, u string, hdr map[string]string, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("dingtalk: %s: %w", op, redact(err))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.opt.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("dingtalk: %s: %w", op, redact(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("dingtalk: %s: read answer: %w", op, err)
	}
	return resp.StatusCode, resp.Header, b, nil
}

// redact strips URLs from transport errors: webhook URLs carry the robot's
// access token and must not reach the logs.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// transientCode reports whether an OpenAPI code is throttling that goes
// away by itself within seconds.
func transientCode(code string) bool {
	switch code {
	case "send.too.fast", "send.byToken.tooFast", "too.many.group", "too.many.people",
		"system.busy", "systemBusy", "toomuch.msg",
		"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "Forbidden.AccessDenied.QpsLimitForApi":
		return true
	}
	return false
}

// apiError turns a non-200 OpenAPI answer into an error.
func apiError(op string, status int, hdr http.Header, b []byte) error {
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(b, &e)
	switch {
	case status == http.StatusTooManyRequests || transientCode(e.Code):
		code := e.Code
		if code == "" {
			code = "HTTP 429"
		}
		return &ThrottledError{Op: op, Code: code, RetryAfter: retryAfter(hdr), transient: true}
	case status == http.StatusUnauthorized || e.Code == "InvalidAuthentication":
		return fmt.Errorf("dingtalk: %s: %w: %s", op, errTokenRejected, e.Message)
	}
	if e.Message == "" {
		e.Message = string(b[:min(len(b), 200)])
	}
	return &APIError{Op: op, Status: status, Code: e.Code, Message: e.Message}
}

// webhookError checks a custom robot or sessionWebhook answer.
func webhookError(op string, status int, hdr http.Header, b []byte) error {
	if status != http.StatusOK {
		return apiError(op, status, hdr, b)
	}
	var e struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.ErrCode == nil {
		return &APIError{Op: op, Status: status, Code: "?", Message: "undecodable answer"}
	}
	switch *e.ErrCode {
	case 0:
		return nil
	case -1: // 系统繁忙
		return &ThrottledError{Op: op, Code: "-1", transient: true}
	case 130101: // "send too fast, exceed 20 times per minute"
		return &ThrottledError{Op: op, Code: "130101", RetryAfter: time.Minute}
	case 410100: // 发送速度太快而限流: the custom robot is muted for 10 minutes
		return &ThrottledError{Op: op, Code: "410100", RetryAfter: 10 * time.Minute}
	}
	return &APIError{Op: op, Status: status, Code: strconv.Itoa(*e.ErrCode), Message: e.ErrMsg}
}

// retry runs attempt, first waiting for key's pace when key is set, and runs
// it again while it is throttled transiently (backing off) or once after the
// access token was refused.
func (c *Client) retry(ctx context.Context, key string, attempt func(ctx context.Context) error) error {
	backoff := c.opt.Backoff
	renewed := false
	for i := 0; ; i++ {
		if key != "" {
			if err := c.wait(ctx, key); err != nil {
				return fmt.Errorf("dingtalk: waiting to send: %w", err)
			}
		}
		err := attempt(ctx)
		var te *ThrottledError
		switch {
		case err == nil:
			return nil
		case errors.Is(err, errTokenRejected) && !renewed:
			renewed = true
			continue
		case errors.As(err, &te) && te.transient && i < c.opt.Retries:
			d := max(backoff, te.RetryAfter)
			d += rand.N(d/4 + 1)
			c.opt.Logger.Warn("dingtalk: throttled, backing off", "op", te.Op, "code", te.Code, "wait", d)
			if err := sleep(ctx, d); err != nil {
				return fmt.Errorf("dingtalk: backing off: %w", err)
			}
			backoff *= 2
			continue
		case errors.As(err, &te) && te.transient:
			te.RetryAfter = max(te.RetryAfter, backoff)
		case notSent(err) && i < c.opt.Retries:
			// The connection was never made, so nothing was delivered and
			// trying again cannot say anything twice: a network blip must
			// not cost an acked message its answer.
			d := backoff + rand.N(backoff/4+1)
			c.opt.Logger.Warn("dingtalk: could not connect, retrying", "err", err, "wait", d)
			if err := sleep(ctx, d); err != nil {
				return fmt.Errorf("dingtalk: retrying: %w", err)
			}
			backoff *= 2
			continue
		}
		return err
	}
}

// notSent reports whether err means the request never left: the TCP
// connection (or the name lookup) failed. A timeout after connecting is not
// such an error: the message may have arrived.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// openAPI posts one OpenAPI send with the access token.
func (c *Client) openAPI(ctx context.Context, op, path string, body []byte) error {
	tok, err := c.tok.get(ctx)
	if err != nil {
		return err
	}
	status, hdr, b, err := c.post(ctx, op, c.cfg.APIHost+path, map[string]string{"x-acs-dingtalk-access-token": tok}, body)
	if err != nil {
		return err
	}
	if status == http.StatusOK {
		return nil
	}
	err = apiError(op, status, hdr, b)
	if errors.Is(err, errTokenRejected) {
		c.tok.invalidate(tok)
	}
	return err
}

// rendered is a Reply made ready for one channel.
type rendered struct {
	title     string
	parts     []string
	atUserIDs []string
	atMobiles []string
	// link, when set, makes the last part an actionCard with one button.
	link *bot.Link
}

// defaultLinkTitle labels a button whose Link has no title.
const defaultLinkTitle = "打开链接"

// render prepares r. With canAt the mentions become "@userId"/"@mobile" in
// the first part and in the at lists; without, the people are named in
// plain text (OpenAPI sends cannot @). budget is the escaped bytes one part
// may take, title and button included. A Link becomes the button of an
// actionCard on the last part, not a markdown link.
func render(r bot.Reply, canAt bool, budget int) rendered {
	out := rendered{title: r.Title}
	if out.title == "" {
		out.title = titleFrom(r.Markdown)
	}
	if r.Link != nil && r.Link.URL != "" {
		l := *r.Link
		if l.Title == "" {
			l.Title = defaultLinkTitle
		}
		out.link = &l
		// singleTitle, singleURL, btnOrientation and their keys.
		budget -= escLen(l.Title) + escLen(l.URL) + 64
	}
	var tags []string
	for _, m := range r.Mentions {
		switch {
		case canAt && m.UserID != "":
			out.atUserIDs = append(out.atUserIDs, m.UserID)
			tags = append(tags, "@"+m.UserID)
		case canAt && m.Mobile != "":
			out.atMobiles = append(out.atMobiles, m.Mobile)
			tags = append(tags, "@"+m.Mobile)
		case m.Name != "":
			tags = append(tags, "@"+m.Name)
		}
	}
	// DingTalk notifies at most 50 people per message.
	out.atUserIDs = out.atUserIDs[:min(len(out.atUserIDs), 50)]
	out.atMobiles = out.atMobiles[:min(len(out.atMobiles), 50)]
	tagLine := strings.Join(tags, " ")
	budget -= escLen(out.title) + escLen(tagLine) + 24*len(out.atUserIDs) + 24*len(out.atMobiles) + 16
	out.parts = split(r.Markdown, budget)
	if tagLine != "" {
		out.parts[0] += "\n\n" + tagLine
	}
	return out
}

// linkOf returns the button of part i: the link on the last part, else nil.
func (r rendered) linkOf(i int) *bot.Link {
	if i == len(r.parts)-1 {
		return r.link
	}
	return nil
}

// titleFrom makes a notification title from the first line of markdown.
func titleFrom(md string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(md), "\n")
	line = strings.TrimSpace(strings.Trim(line, "#>*-_ \t"))
	if line == "" {
		return "学习强国工作助手"
	}
	if utf8.RuneCountInString(line) > 30 {
		line = string([]rune(line)[:30]) + "…"
	}
	return line
}

func (r rendered) partTitle(i int) string {
	if len(r.parts) == 1 {
		return r.title
	}
	return fmt.Sprintf("%s（%d/%d）", r.title, i+1, len(r.parts))
}

// sendParts sends every part, stopping at the first failure; an error after
// the first part wraps bot.ErrPartialReply.
func (r rendered) sendParts(send func(i int) error) error {
	for i := range r.parts {
		if err := send(i); err != nil {
			if i > 0 {
				return fmt.Errorf("part %d of %d: %w: %w", i+1, len(r.parts), bot.ErrPartialReply, err)
			}
			return err
		}
	}
	return nil
}

// sampleParam is the msgKey and msgParam of one OpenAPI part: a
// sampleMarkdown, or a sampleActionCard when the part carries the button.
func (r rendered) sampleParam(i int) (msgKey, param string) {
	p := map[string]string{"title": r.partTitle(i), "text": r.parts[i]}
	if l := r.linkOf(i); l != nil {
		p["singleTitle"], p["singleURL"] = l.Title, l.URL
		return "sampleActionCard", string(marshal(p))
	}
	return "sampleMarkdown", string(marshal(p))
}

// apiBudget is the escaped bytes of text one OpenAPI part may take.
const apiBudget = maxMsgParam - paramOverhead

// webhookBudget is the escaped bytes of text one webhook part may take.
const webhookBudget = maxBody - bodyOverhead

func (c *Client) sendSample(ctx context.Context, op, path, key string, body func(msgKey, msgParam string) map[string]any, rd rendered) error {
	return rd.sendParts(func(i int) error {
		b := marshal(body(rd.sampleParam(i)))
		return c.retry(ctx, key, func(ctx context.Context) error { return c.openAPI(ctx, op, path, b) })
	})
}

// SendGroup posts r to a group through the OpenAPI (sampleMarkdown, or
// sampleActionCard with a button when r has a Link), paced per group, split
// when longer than msgParam allows. The OpenAPI cannot @: mentions are
// named in the text.
func (c *Client) SendGroup(ctx context.Context, conversation string, r bot.Reply) error {
	return c.sendGroup(ctx, conversation, render(r, false, apiBudget))
}

func (c *Client) sendGroup(ctx context.Context, conversation string, rd rendered) error {
	if conversation == "" {
		return errors.New("dingtalk: group send: no group configured (dingtalk.group_id)")
	}
	return c.sendSample(ctx, "group send", "/v1.0/robot/groupMessages/send", "group:"+conversation,
		func(k, p string) map[string]any {
			return map[string]any{"robotCode": c.robotCode(), "openConversationId": conversation, "msgKey": k, "msgParam": p}
		}, rd)
}

// SendUser posts r to one person's 1:1 chat with the robot through the
// OpenAPI (oToMessages/batchSend), as SendGroup does.
func (c *Client) SendUser(ctx context.Context, staffID string, r bot.Reply) error {
	return c.sendUser(ctx, staffID, render(r, false, apiBudget))
}

func (c *Client) sendUser(ctx context.Context, staffID string, rd rendered) error {
	if staffID == "" {
		return errors.New("dingtalk: 1:1 send: no staffId")
	}
	return c.sendSample(ctx, "1:1 send", "/v1.0/robot/oToMessages/batchSend", "user:"+staffID,
		func(k, p string) map[string]any {
			return map[string]any{"robotCode": c.robotCode(), "userIds": []string{staffID}, "msgKey": k, "msgParam": p}
		}, rd)
}

// webhookBody is part i of a custom robot or sessionWebhook message: a
// markdown message, or an actionCard when the part carries the button.
// actionCard has no at object, so its mentions stay "@userId" in the text
// only; the first part's at lists go with a markdown part.
func (r rendered) webhookBody(i int, uuid string) []byte {
	var m map[string]any
	if l := r.linkOf(i); l != nil {
		m = map[string]any{
			"msgtype": "actionCard",
			"actionCard": map[string]string{
				"title": r.partTitle(i), "text": r.parts[i],
				"singleTitle": l.Title, "singleURL": l.URL, "btnOrientation": "0",
			},
		}
	} else {
		m = map[string]any{
			"msgtype":  "markdown",
			"markdown": map[string]string{"title": r.partTitle(i), "text": r.parts[i]},
		}
		if i == 0 && len(r.atUserIDs)+len(r.atMobiles) > 0 {
			at := map[string]any{"isAtAll": false}
			if len(r.atUserIDs) > 0 {
				at["atUserIds"] = r.atUserIDs
			}
			if len(r.atMobiles) > 0 {
				at["atMobiles"] = r.atMobiles
			}
			m["at"] = at
		}
	}
	if uuid != "" {
		if i > 0 {
			uuid = fmt.Sprintf("%s-%d", uuid, i+1)
		}
		m["msgUuid"] = uuid
	}
	return marshal(m)
}

// SendWebhook posts r through the custom group robot, signed (加签) when a
// secret is set, with real @-mentions (in an actionCard, when r has a Link,
// only as "@userId" in the text). uuid is the idempotency key (msgUuid)
// that lets a retried send be dropped by DingTalk; parts get "-2", "-3"...
func (c *Client) SendWebhook(ctx context.Context, r bot.Reply, uuid string) error {
	return c.sendWebhook(ctx, render(r, true, webhookBudget), uuid)
}

func (c *Client) sendWebhook(ctx context.Context, rd rendered, uuid string) error {
	const op = "webhook send"
	if c.cfg.WebhookURL == "" {
		return errors.New("dingtalk: webhook send: no webhook_url configured")
	}
	return rd.sendParts(func(i int) error {
		b := rd.webhookBody(i, uuid)
		return c.retry(ctx, "webhook", func(ctx context.Context) error {
			status, hdr, body, err := c.post(ctx, op, c.signedWebhook(), nil, b)
			if err != nil {
				return err
			}
			return webhookError(op, status, hdr, body)
		})
	})
}

// signedWebhook is webhook_url with timestamp and sign (HMAC-SHA256 of
// "timestamp\nsecret", Base64), fresh for every attempt: DingTalk accepts a
// signature for an hour.
func (c *Client) signedWebhook() string {
	if c.cfg.WebhookSecret == "" {
		return c.cfg.WebhookURL
	}
	ts := strconv.FormatInt(c.opt.Now().UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(c.cfg.WebhookSecret))
	m.Write([]byte(ts + "\n" + c.cfg.WebhookSecret))
	sign := base64.StdEncoding.EncodeToString(m.Sum(nil))
	u, err := url.Parse(c.cfg.WebhookURL)
	if err != nil {
		return c.cfg.WebhookURL // checked by NewClient
	}
	q := u.Query()
	q.Set("timestamp", ts)
	q.Set("sign", sign)
	u.RawQuery = q.Encode()
	return u.String()
}

// Post sends one outbox message: m.To is "group" or "user:<staffId>",
// m.Mentions are staffIds, m.ID is the idempotency key, and m.LinkURL, when
// set, makes it an actionCard with a button titled m.LinkTitle. Group
// messages that mention people go through the custom robot when one is
// configured, since only it can @; otherwise through the OpenAPI, where the
// mentions cannot notify and the caller's Markdown should name the people.
//
// Post never splits: the OpenAPI has no idempotency key, so a message whose
// second part failed would post its first part again when retried. The
// outbox holds messages already cut to size (remind does it); one that
// would still need more than one send is refused before anything is posted,
// with an error wrapping ErrTooLong. Errors wrap ErrThrottled (as a
// *ThrottledError with RetryAfter) when DingTalk keeps refusing as too fast.
func (c *Client) Post(ctx context.Context, m store.OutMsg) error {
	r := bot.Reply{Title: m.Title, Markdown: m.Markdown}
	for _, id := range m.Mentions {
		r.Mentions = append(r.Mentions, bot.Mention{UserID: id})
	}
	if m.LinkURL != "" {
		r.Link = &bot.Link{Title: m.LinkTitle, URL: m.LinkURL}
	}
	one := func(rd rendered) error {
		if len(rd.parts) > 1 {
			return fmt.Errorf("dingtalk: post %s: %w (%d sends needed)", m.ID, ErrTooLong, len(rd.parts))
		}
		return nil
	}
	switch {
	case m.To == "group" && c.cfg.WebhookURL != "" && len(m.Mentions) > 0:
		rd := render(r, true, webhookBudget)
		if err := one(rd); err != nil {
			return err
		}
		return c.sendWebhook(ctx, rd, m.ID)
	case m.To == "group":
		rd := render(r, false, apiBudget)
		if err := one(rd); err != nil {
			return err
		}
		return c.sendGroup(ctx, c.cfg.GroupID, rd)
	case strings.HasPrefix(m.To, "user:"):
		rd := render(r, false, apiBudget)
		if err := one(rd); err != nil {
			return err
		}
		return c.sendUser(ctx, strings.TrimPrefix(m.To, "user:"), rd)
	}
	return fmt.Errorf("dingtalk: post %s: %w %q", m.ID, errBadRecipient, m.To)
}
