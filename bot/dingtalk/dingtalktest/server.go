package dingtalktest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BotTopic is the stream topic of bot messages.
const BotTopic = "/v1.0/im/bot/messages/get"

// Limits the fake enforces, as DingTalk does.
const (
	MaxMsgParam = 15000 // bytes of msgParam on the OpenAPI sends
	MaxBody     = 20000 // bytes of a webhook or sessionWebhook body
	TicketTTL   = 90 * time.Second
)

// Throttling says how the fake refuses a throttled send.
type Throttling int

const (
	// Throttle429 answers HTTP 429 with code system.busy and Retry-After: 1.
	Throttle429 Throttling = iota
	// ThrottleTooFast answers the OpenAPI with HTTP 400 code send.too.fast,
	// and webhooks with errcode 410100.
	ThrottleTooFast
	// Throttle130101 answers webhooks with errcode 130101 "send too fast,
	// exceed 20 times per minute", and the OpenAPI with send.byToken.tooFast.
	Throttle130101
)

// Msg is a message a person sends to the bot. Zero fields take defaults.
type Msg struct {
	ID           string // msgId; "msg-<n>" when empty
	Conversation string // openConversationId; the Server's GroupID when empty
	Type         string // "2" group (default) or "1" 1:1
	Title        string // conversationTitle of a group
	SenderID     string // senderStaffId; "" is an external member
	SenderNick   string
	Text         string // text.content, sent as is (DingTalk leaves a leading space)
	MsgType      string // "text" when empty
	NoText       bool   // omit text, as for a picture or a quota error
	ErrorMessage string // errorMessage, as with error 20001
	// SessionWebhook overrides the fresh session URL the fake makes.
	SessionWebhook string
	// SessionExpires is sessionWebhookExpiredTime; 90 minutes on when zero.
	SessionExpires time.Time
}

// Ack is one ACK the client sent for a frame.
type Ack struct {
	Code    int
	Message string
	Data    string
}

// Sent is one message that reached the fake.
type Sent struct {
	Via          string // "session", "group", "user" or "webhook"
	Session      string // for Via "session": the session id
	MsgID        string // for Via "session": the message whose session it was
	Conversation string // for Via "group": openConversationId
	UserIDs      []string
	MsgType      string // msgtype, or the OpenAPI msgKey
	Title        string
	Text         string // markdown.text, text.content or msgParam's text/content
	// SingleTitle and SingleURL are an actionCard's button (webhook msgtype
	// actionCard, OpenAPI msgKey sampleActionCard).
	SingleTitle string
	SingleURL   string
	AtUserIDs   []string
	AtMobiles   []string
	MsgUUID     string
	Body        []byte
	At          time.Time
}

// Server is the fake platform. Its exported fields are the credentials and
// ids it accepts; read them, do not change them once clients are running.
type Server struct {
	URL           string // api_host
	ClientID      string
	ClientSecret  string
	RobotCode     string
	GroupID       string
	WebhookToken  string
	WebhookSecret string

	tb       testing.TB
	api      *httptest.Server
	sessions *httptest.Server
	upgrader websocket.Upgrader
	seq      atomic.Int64

	mu            sync.Mutex
	closed        bool
	tickets       map[string]time.Time // unused ticket -> expiry
	conns         map[*conn]struct{}
	data          map[string]string    // msgId -> data JSON, for redelivery
	frameMsg      map[string]string    // frame messageId -> msgId
	acks          map[string][]Ack     // msgId -> acks
	systemAcks    map[string][]Ack     // SYSTEM frame messageId -> acks
	sessionMsg    map[string]string    // session id -> msgId
	waiters       map[string]chan Sent // msgId -> first session reply
	uuids         map[string]bool
	sent          []Sent
	tokens        map[string]bool
	tokenRequests int
	registrations int
	failRegs      int
	throttles     []Throttling
	failOnce      []func(Sent) bool
	expired       bool
	changed       chan struct{} // closed and replaced on every change
	timers        []*time.Timer
}

type conn struct {
	ws       *websocket.Conn
	id       string
	wmu      sync.Mutex
	silent   atomic.Bool
	draining atomic.Bool
}

func (c *conn) writeJSON(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// NewServer starts a fake platform; it is closed when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		ClientID:      "ding-test-app",
		ClientSecret:  "test-app-secret",
		RobotCode:     "ding-test-robot",
		GroupID:       "cid-test-group==",
		WebhookToken:  "test-webhook-token",
		WebhookSecret: "SEC-test-webhook-secret",
		tb:            tb,
		tickets:       map[string]time.Time{},
		conns:         map[*conn]struct{}{},
		data:          map[string]string{},
		frameMsg:      map[string]string{},
		acks:          map[string][]Ack{},
		systemAcks:    map[string][]Ack{},
		sessionMsg:    map[string]string{},
		waiters:       map[string]chan Sent{},
		uuids:         map[string]bool{},
		tokens:        map[string]bool{},
		changed:       make(chan struct{}),
	}
	api := http.NewServeMux()
	api.HandleFunc("POST /v1.0/gateway/connections/open", s.register)
	api.HandleFunc("GET /connect", s.connect)
	api.HandleFunc("POST /v1.0/oauth2/accessToken", s.accessToken)
	api.HandleFunc("POST /v1.0/robot/groupMessages/send", s.groupSend)
	api.HandleFunc("POST /v1.0/robot/oToMessages/batchSend", s.batchSend)
	api.HandleFunc("POST /robot/send", s.webhook)
	s.api = httptest.NewServer(api)
	s.URL = s.api.URL
	sess := http.NewServeMux()
	sess.HandleFunc("POST /robot/sendBySession", s.session)
	s.sessions = httptest.NewServer(sess)
	tb.Cleanup(s.Close)
	return s
}

// WebhookURL is the custom robot's webhook, for webhook_url.
func (s *Server) WebhookURL() string {
	return s.URL + "/robot/send?access_token=" + s.WebhookToken
}

// Close cuts every connection and stops the servers.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := s.connList(false)
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
	s.api.Close()
	s.sessions.Close()
}

// notify wakes waiters; callers hold s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor polls cond, under no lock, whenever the fake records something,
// until it holds or timeout passes; it reports whether it held.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		// Also poll now and then: cond may depend on things outside the fake.
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline.C:
			return cond()
		}
	}
}

func (s *Server) id(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, s.seq.Add(1))
}

func randomHex() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ---- stream connection ----

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ClientID      string `json:"clientId"`
		ClientSecret  string `json:"clientSecret"`
		Subscriptions []struct {
			Type  string `json:"type"`
			Topic string `json:"topic"`
		} `json:"subscriptions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, 400, map[string]string{"code": "invalidParameter", "message": err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registrations++
	s.notify()
	if s.failRegs > 0 {
		s.failRegs--
		writeJSON(w, 503, map[string]string{"code": "system.busy", "message": "fake: registration refused"})
		return
	}
	if req.ClientID != s.ClientID || req.ClientSecret != s.ClientSecret {
		writeJSON(w, 401, map[string]string{"code": "invalidClientIdOrSecret", "message": "无效的clientId或clientSecret"})
		return
	}
	if !slices.ContainsFunc(req.Subscriptions, func(sub struct {
		Type  string `json:"type"`
		Topic string `json:"topic"`
	}) bool {
		return sub.Type == "CALLBACK" && sub.Topic == BotTopic
	}) {
		writeJSON(w, 400, map[string]string{"code": "invalidParameter", "message": "no bot subscription"})
		return
	}
	ticket := randomHex()
	s.tickets[ticket] = time.Now().Add(TicketTTL)
	writeJSON(w, 200, map[string]string{
		"endpoint": "ws://" + s.api.Listener.Addr().String() + "/connect",
		"ticket":   ticket,
	})
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	exp, ok := s.tickets[ticket]
	delete(s.tickets, ticket) // single use, valid or not
	closed := s.closed
	s.mu.Unlock()
	if !ok || time.Now().After(exp) || closed {
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws, id: s.id("conn")}
	ws.SetPingHandler(func(data string) error {
		if c.silent.Load() {
			return nil
		}
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.notify()
	s.mu.Unlock()

	defer func() {
		_ = ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.notify()
		s.mu.Unlock()
	}()
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if c.silent.Load() {
			continue // a dead link hears nothing
		}
		var ack struct {
			Code    int               `json:"code"`
			Headers map[string]string `json:"headers"`
			Message string            `json:"message"`
			Data    string            `json:"data"`
		}
		if err := json.Unmarshal(b, &ack); err != nil {
			s.tb.Errorf("dingtalktest: undecodable frame from client: %q", b)
			continue
		}
		fid := ack.Headers["messageId"]
		a := Ack{Code: ack.Code, Message: ack.Message, Data: ack.Data}
		s.mu.Lock()
		if msgID, ok := s.frameMsg[fid]; ok {
			s.acks[msgID] = append(s.acks[msgID], a)
		} else {
			s.systemAcks[fid] = append(s.systemAcks[fid], a)
		}
		s.notify()
		s.mu.Unlock()
	}
}

// connList returns the connections; live excludes silent and draining ones.
// Callers hold s.mu.
func (s *Server) connList(live bool) []*conn {
	var cs []*conn
	for c := range s.conns {
		if live && (c.silent.Load() || c.draining.Load()) {
			continue
		}
		cs = append(cs, c)
	}
	return cs
}

// Connections returns how many clients are connected and answering.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.connList(true))
}

// Registrations returns how many times clients asked for a connection.
func (s *Server) Registrations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registrations
}

// Push sends m to one connected client, waiting up to 20 s for one to be
// connected, and returns its msgId.
func (s *Server) Push(m Msg) string {
	if m.ID == "" {
		m.ID = s.id("msg")
	}
	if m.Conversation == "" {
		m.Conversation = s.GroupID
	}
	if m.Type == "" {
		m.Type = "2"
	}
	if m.MsgType == "" {
		m.MsgType = "text"
	}
	now := time.Now()
	if m.SessionExpires.IsZero() {
		m.SessionExpires = now.Add(90 * time.Minute)
	}
	sid := randomHex()
	if m.SessionWebhook == "" {
		m.SessionWebhook = s.sessions.URL + "/robot/sendBySession?session=" + sid
	}
	d := map[string]any{
		"conversationId":            m.Conversation,
		"chatbotCorpId":             "ding-test-corp",
		"chatbotUserId":             "$:LWCP_v1:$bot",
		"msgId":                     m.ID,
		"senderNick":                m.SenderNick,
		"isAdmin":                   false,
		"senderStaffId":             m.SenderID,
		"sessionWebhookExpiredTime": m.SessionExpires.UnixMilli(),
		"createAt":                  now.UnixMilli(),
		"senderCorpId":              "ding-test-corp",
		"conversationType":          m.Type,
		"senderId":                  "$:LWCP_v1:$" + m.SenderID,
		"isInAtList":                true,
		"sessionWebhook":            m.SessionWebhook,
		"robotCode":                 s.RobotCode,
		"msgtype":                   m.MsgType,
	}
	if m.Type == "2" {
		d["conversationTitle"] = m.Title
	}
	if !m.NoText {
		d["text"] = map[string]string{"content": m.Text}
	}
	if m.ErrorMessage != "" {
		d["errorMessage"] = m.ErrorMessage
	}
	b, _ := json.Marshal(d)
	s.mu.Lock()
	s.data[m.ID] = string(b)
	s.sessionMsg[sid] = m.ID
	s.mu.Unlock()
	s.deliver(m.ID)
	return m.ID
}

// Redeliver pushes msgId again, as DingTalk does after a late ACK.
func (s *Server) Redeliver(msgID string) {
	s.deliver(msgID)
}

func (s *Server) deliver(msgID string) {
	s.mu.Lock()
	data, ok := s.data[msgID]
	s.mu.Unlock()
	if !ok {
		s.tb.Errorf("dingtalktest: redeliver unknown message %s", msgID)
		return
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var c *conn
		if !s.WaitFor(time.Until(deadline), func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			cs := s.connList(true)
			if len(cs) == 0 {
				return false
			}
			c = cs[int(s.seq.Add(1))%len(cs)]
			return true
		}) {
			s.tb.Errorf("dingtalktest: no client connected within 20 s to take %s", msgID)
			return
		}
		fid := s.id("frame")
		s.mu.Lock()
		s.frameMsg[fid] = msgID
		s.mu.Unlock()
		err := c.writeJSON(map[string]any{
			"specVersion": "1.0",
			"type":        "CALLBACK",
			"headers": map[string]string{
				"appId":        "fake-app",
				"connectionId": c.id,
				"contentType":  "application/json",
				"messageId":    fid,
				"time":         strconv.FormatInt(time.Now().UnixMilli(), 10),
				"topic":        BotTopic,
			},
			"data": data,
		})
		if err == nil {
			return
		}
		// The connection died under us: take it out and try another, as the
		// platform routes a push to a live connection.
		c.draining.Store(true)
	}
}

// Acks returns the ACKs of every delivery of msgId.
func (s *Server) Acks(msgID string) []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks[msgID]...)
}

// system sends a SYSTEM frame to the given connections and returns the
// frame ids.
func (s *Server) system(cs []*conn, topic, data string) {
	for _, c := range cs {
		_ = c.writeJSON(map[string]any{
			"specVersion": "1.0",
			"type":        "SYSTEM",
			"headers": map[string]string{
				"contentType": "application/json",
				"messageId":   s.id(topic),
				"time":        strconv.FormatInt(time.Now().UnixMilli(), 10),
				"topic":       topic,
			},
			"data": data,
		})
	}
}

// Ping sends a SYSTEM ping to every live connection and returns the frame
// count sent; PingAcks counts the answers.
func (s *Server) Ping() int {
	s.mu.Lock()
	cs := s.connList(true)
	s.mu.Unlock()
	s.system(cs, "ping", `{"opaque":"fake-opaque"}`)
	return len(cs)
}

// PingAcks returns how many SYSTEM ping frames were answered with code 200
// and their opaque data echoed.
func (s *Server) PingAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for fid, as := range s.systemAcks {
		if strings.HasPrefix(fid, "ping-") {
			for _, a := range as {
				if a.Code == 200 && strings.Contains(a.Data, "fake-opaque") {
					n++
				}
			}
		}
	}
	return n
}

// DropAll cuts every connection without a close frame, as a network blip does.
func (s *Server) DropAll() {
	s.mu.Lock()
	cs := s.connList(false)
	s.mu.Unlock()
	for _, c := range cs {
		c.draining.Store(true)
		_ = c.ws.NetConn().Close()
	}
}

// Silence makes every current connection go quiet: no pongs, no frames, no
// ACKs read; the TCP connection stays open. New connections work.
func (s *Server) Silence() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.connList(false) {
		c.silent.Store(true)
	}
	s.notify()
}

// Disconnect sends SYSTEM disconnect to every live connection, pushes
// nothing more to them, and closes them 10 s later if the client has not.
func (s *Server) Disconnect() {
	s.mu.Lock()
	cs := s.connList(true)
	for _, c := range cs {
		c.draining.Store(true)
		s.timers = append(s.timers, time.AfterFunc(10*time.Second, func() { _ = c.ws.NetConn().Close() }))
	}
	s.notify()
	s.mu.Unlock()
	s.system(cs, "disconnect", `{"reason":"connection is expired"}`)
}

// FailRegistrations refuses the next n connection registrations with 503.
func (s *Server) FailRegistrations(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRegs = n
}

// Throttle answers the next n sends (any send endpoint) as throttled.
func (s *Server) Throttle(n int, how Throttling) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.throttles = append(s.throttles, how)
	}
}

// FailOnce makes the first later send (any endpoint) for which match
// reports true fail once, with HTTP 500 code system.error, which is not
// throttling: the client returns it rather than retrying. The send is not
// recorded. match sees the parsed send (Via, Title, Text...) and runs under
// the fake's lock: it must not call the Server.
func (s *Server) FailOnce(match func(Sent) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failOnce = append(s.failOnce, match)
}

// takeFailure reports whether m is to fail, using up the matching
// FailOnce; callers hold s.mu.
func (s *Server) takeFailure(m Sent) bool {
	for i, match := range s.failOnce {
		if match(m) {
			s.failOnce = slices.Delete(s.failOnce, i, i+1)
			return true
		}
	}
	return false
}

// ExpireSessions makes every sessionWebhook answer as expired (HTTP 500,
// code session.expired — what sendBySession really returns is unconfirmed).
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired = true
}

// takeThrottle pops the next throttle; callers hold s.mu.
func (s *Server) takeThrottle() (Throttling, bool) {
	if len(s.throttles) == 0 {
		return 0, false
	}
	t := s.throttles[0]
	s.throttles = s.throttles[1:]
	return t, true
}

// throttleWebhook answers a throttled webhook or session send.
func throttleWebhook(w http.ResponseWriter, t Throttling) {
	switch t {
	case Throttle429:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 429, map[string]any{"code": "system.busy", "message": "请求太频繁"})
	case ThrottleTooFast:
		writeJSON(w, 200, map[string]any{"errcode": 410100, "errmsg": "发送速度太快而限流"})
	default:
		writeJSON(w, 200, map[string]any{"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
	}
}

// throttleAPI answers a throttled OpenAPI send.
func throttleAPI(w http.ResponseWriter, t Throttling) {
	switch t {
	case Throttle429:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 429, map[string]any{"code": "system.busy", "message": "请求太频繁"})
	case ThrottleTooFast:
		writeJSON(w, 400, map[string]any{"code": "send.too.fast", "message": "发送太快", "requestid": "fake"})
	default:
		writeJSON(w, 400, map[string]any{"code": "send.byToken.tooFast", "message": "发送太快", "requestid": "fake"})
	}
}

// record stores a send; callers hold s.mu.
func (s *Server) record(m Sent) {
	m.At = time.Now()
	s.sent = append(s.sent, m)
	if m.Via == "session" {
		if w, ok := s.waiters[m.MsgID]; ok {
			delete(s.waiters, m.MsgID)
			w <- m
		}
	}
	s.notify()
}

// Sent returns everything sent so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentVia returns what was sent one way: "session", "group", "user" or "webhook".
func (s *Server) SentVia(via string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.Via == via {
			out = append(out, m)
		}
	}
	return out
}

// Replies returns what reached msgId's sessionWebhook.
func (s *Server) Replies(msgID string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.Via == "session" && m.MsgID == msgID {
			out = append(out, m)
		}
	}
	return out
}

// WaitReplies waits up to timeout until msgId's session has n replies.
func (s *Server) WaitReplies(msgID string, n int, timeout time.Duration) []Sent {
	s.WaitFor(timeout, func() bool { return len(s.Replies(msgID)) >= n })
	return s.Replies(msgID)
}

// ---- sending endpoints ----

type webhookBody struct {
	MsgType string `json:"msgtype"`
	Text    *struct {
		Content string `json:"content"`
	} `json:"text"`
	Markdown *struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"markdown"`
	ActionCard *struct {
		Title          string `json:"title"`
		Text           string `json:"text"`
		SingleTitle    string `json:"singleTitle"`
		SingleURL      string `json:"singleURL"`
		BtnOrientation string `json:"btnOrientation"`
		Btns           []struct {
			Title     string `json:"title"`
			ActionURL string `json:"actionURL"`
		} `json:"btns"`
	} `json:"actionCard"`
	At *struct {
		AtUserIDs []string `json:"atUserIds"`
		AtMobiles []string `json:"atMobiles"`
	} `json:"at"`
	MsgUUID string `json:"msgUuid"`
}

// parseWebhook checks a webhook body and fills m; it reports an errcode
// answer when the body is bad.
func parseWebhook(b []byte, m *Sent) (errcode int, errmsg string) {
	if len(b) >= MaxBody {
		return 460101, fmt.Sprintf("message too long, exceed %d bytes", MaxBody)
	}
	var wb webhookBody
	if err := json.Unmarshal(b, &wb); err != nil {
		return 400, "invalid json: " + err.Error()
	}
	m.MsgType, m.MsgUUID, m.Body = wb.MsgType, wb.MsgUUID, b
	switch {
	case wb.MsgType == "text" && wb.Text != nil:
		m.Text = wb.Text.Content
	case wb.MsgType == "markdown" && wb.Markdown != nil:
		m.Title, m.Text = wb.Markdown.Title, wb.Markdown.Text
	case wb.MsgType == "actionCard" && wb.ActionCard != nil:
		ac := wb.ActionCard
		m.Title, m.Text, m.SingleTitle, m.SingleURL = ac.Title, ac.Text, ac.SingleTitle, ac.SingleURL
		// A card needs its title and text, and either one button
		// (singleTitle and singleURL) or a list of buttons.
		switch {
		case ac.Title == "" || ac.Text == "":
			return 40035, "缺少参数 title 或 text"
		case len(ac.Btns) == 0 && (ac.SingleTitle == "" || ac.SingleURL == ""):
			return 40035, "缺少参数 singleTitle 或 singleURL"
		}
	default:
		return 400105, "不支持的消息类型"
	}
	if wb.At != nil {
		m.AtUserIDs, m.AtMobiles = wb.At.AtUserIDs, wb.At.AtMobiles
	}
	return 0, ""
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	sid := r.URL.Query().Get("session")
	s.mu.Lock()
	defer s.mu.Unlock()
	msgID, ok := s.sessionMsg[sid]
	if !ok || s.expired {
		writeJSON(w, 500, map[string]any{"code": "session.expired", "message": "session 已过期"})
		return
	}
	if t, ok := s.takeThrottle(); ok {
		throttleWebhook(w, t)
		return
	}
	m := Sent{Via: "session", Session: sid, MsgID: msgID}
	if code, msg := parseWebhook(b, &m); code != 0 {
		writeJSON(w, 200, map[string]any{"errcode": code, "errmsg": msg})
		return
	}
	if s.takeFailure(m) {
		writeJSON(w, 500, map[string]any{"code": "system.error", "message": "fake: send failed"})
		return
	}
	s.record(m)
	writeJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// Sign returns the 加签 signature DingTalk expects for timestamp (ms).
func Sign(secret, timestamp string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	q := r.URL.Query()
	if q.Get("access_token") != s.WebhookToken {
		writeJSON(w, 200, map[string]any{"errcode": 300001, "errmsg": "token is not exist"})
		return
	}
	ts := q.Get("timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
		writeJSON(w, 200, map[string]any{"errcode": 310000, "errmsg": "sign not match, timestamp invalid"})
		return
	}
	// q.Get has already URL-decoded sign, as DingTalk does.
	if !hmac.Equal([]byte(q.Get("sign")), []byte(Sign(s.WebhookSecret, ts))) {
		writeJSON(w, 200, map[string]any{"errcode": 310000, "errmsg": "sign not match"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.takeThrottle(); ok {
		throttleWebhook(w, t)
		return
	}
	m := Sent{Via: "webhook"}
	if code, msg := parseWebhook(b, &m); code != 0 {
		writeJSON(w, 200, map[string]any{"errcode": code, "errmsg": msg})
		return
	}
	if s.takeFailure(m) {
		writeJSON(w, 500, map[string]any{"code": "system.error", "message": "fake: send failed"})
		return
	}
	if m.MsgUUID != "" && s.uuids[m.MsgUUID] {
		writeJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok"})
		return
	}
	s.uuids[m.MsgUUID] = m.MsgUUID != ""
	s.record(m)
	writeJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (s *Server) accessToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppKey    string `json:"appKey"`
		AppSecret string `json:"appSecret"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRequests++
	s.notify()
	if req.AppKey != s.ClientID || req.AppSecret != s.ClientSecret {
		writeJSON(w, 400, map[string]any{"code": "invalidClientIdOrSecret", "message": "无效的clientId或clientSecret"})
		return
	}
	tok := "tok-" + randomHex()
	s.tokens[tok] = true
	writeJSON(w, 200, map[string]any{"accessToken": tok, "expireIn": 7200})
}

// TokenRequests returns how many access tokens were asked for.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// RevokeTokens makes every issued access token invalid, as expiry does.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

type apiSend struct {
	RobotCode          string   `json:"robotCode"`
	OpenConversationID string   `json:"openConversationId"`
	UserIDs            []string `json:"userIds"`
	MsgKey             string   `json:"msgKey"`
	MsgParam           string   `json:"msgParam"`
}

// checkAPI validates an OpenAPI send and fills m; it has written the answer
// when it returns false. Callers hold s.mu.
func (s *Server) checkAPI(w http.ResponseWriter, r *http.Request, req *apiSend, m *Sent) bool {
	b, _ := io.ReadAll(r.Body)
	if !s.tokens[r.Header.Get("x-acs-dingtalk-access-token")] {
		writeJSON(w, 401, map[string]any{"code": "InvalidAuthentication", "message": "不合法的access_token"})
		return false
	}
	if err := json.Unmarshal(b, req); err != nil {
		writeJSON(w, 400, map[string]any{"code": "invalidParameter", "message": err.Error()})
		return false
	}
	if req.RobotCode != s.RobotCode {
		writeJSON(w, 400, map[string]any{"code": "invalidParameter.robotCode.notExsit", "message": "robotCode 不存在"})
		return false
	}
	if len(req.MsgParam) > MaxMsgParam {
		writeJSON(w, 400, map[string]any{"code": "invalidParameter.msgParam.tooLong", "message": "msgParam 过长"})
		return false
	}
	var p map[string]string
	if err := json.Unmarshal([]byte(req.MsgParam), &p); err != nil {
		writeJSON(w, 400, map[string]any{"code": "invalidParameter.msgParam.invalid", "message": "msgParam 须为 JSON"})
		return false
	}
	switch req.MsgKey {
	case "sampleMarkdown":
		m.Title, m.Text = p["title"], p["text"]
	case "sampleText":
		m.Text = p["content"]
	case "sampleActionCard":
		m.Title, m.Text, m.SingleTitle, m.SingleURL = p["title"], p["text"], p["singleTitle"], p["singleURL"]
		for _, k := range []string{"title", "text", "singleTitle", "singleURL"} {
			if p[k] == "" {
				writeJSON(w, 400, map[string]any{"code": "invalidParameter.msgParam.invalid", "message": "msgParam 缺少 " + k})
				return false
			}
		}
	default:
		writeJSON(w, 400, map[string]any{"code": "invalidParameter.msgKey.invalid", "message": "msgKey 无效"})
		return false
	}
	if t, ok := s.takeThrottle(); ok {
		throttleAPI(w, t)
		return false
	}
	m.MsgType, m.Body = req.MsgKey, b
	if s.takeFailure(*m) {
		writeJSON(w, 500, map[string]any{"code": "system.error", "message": "fake: send failed"})
		return false
	}
	return true
}

func (s *Server) groupSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var req apiSend
	m := Sent{Via: "group"}
	if !s.checkAPI(w, r, &req, &m) {
		return
	}
	if req.OpenConversationID != s.GroupID {
		writeJSON(w, 400, map[string]any{"code": "invalid.openConversationId", "message": "群不存在"})
		return
	}
	m.Conversation = req.OpenConversationID
	s.record(m)
	writeJSON(w, 200, map[string]any{"processQueryKey": randomHex()})
}

func (s *Server) batchSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var req apiSend
	m := Sent{Via: "user"}
	if !s.checkAPI(w, r, &req, &m) {
		return
	}
	if len(req.UserIDs) == 0 {
		writeJSON(w, 400, map[string]any{"code": "invalidParameter.userIds.empty", "message": "userIds 为空"})
		return
	}
	m.UserIDs = req.UserIDs
	s.record(m)
	writeJSON(w, 200, map[string]any{"processQueryKey": randomHex(), "invalidStaffIdList": []string{}, "flowControlledStaffIdList": []string{}})
}

// SessionURL returns a sessionWebhook URL on the fake for a message that was
// never pushed; posting to it fails as expired. Tests use it to build URLs
// on other hosts by swapping the host.
func (s *Server) SessionURL() *url.URL {
	u, _ := url.Parse(s.sessions.URL + "/robot/sendBySession?session=" + randomHex())
	return u
}
