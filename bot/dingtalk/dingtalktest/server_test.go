package dingtalktest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"xuexibot/bot/dingtalk/dingtalktest"
)

func postJSON(t *testing.T, u string, v any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The fake speaks the protocol by itself, without the SDK: register, dial
// with a single-use ticket, receive a CALLBACK frame, ACK it.
func TestStreamProtocol(t *testing.T) {
	f := dingtalktest.NewServer(t)
	reg := map[string]any{
		"clientId": f.ClientID, "clientSecret": f.ClientSecret,
		"subscriptions": []map[string]string{{"type": "CALLBACK", "topic": dingtalktest.BotTopic}},
	}
	if code, _ := postJSON(t, f.URL+"/v1.0/gateway/connections/open", map[string]any{"clientId": f.ClientID, "clientSecret": "wrong"}); code != 401 {
		t.Errorf("wrong secret: HTTP %d, want 401", code)
	}
	code, ep := postJSON(t, f.URL+"/v1.0/gateway/connections/open", reg)
	if code != 200 {
		t.Fatalf("register: HTTP %d %v", code, ep)
	}
	wsURL := ep["endpoint"].(string) + "?ticket=" + ep["ticket"].(string)
	ws, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, _, err := websocket.DefaultDialer.Dial(wsURL, nil); err == nil {
		t.Error("a ticket was accepted twice")
	}

	id := f.Push(dingtalktest.Msg{SenderID: "s1", Text: " /状态"})
	var frame struct {
		Type    string            `json:"type"`
		Headers map[string]string `json:"headers"`
		Data    string            `json:"data"`
	}
	if err := ws.ReadJSON(&frame); err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(frame.Data), &data); err != nil {
		t.Fatalf("data is not a JSON string: %v", err)
	}
	if frame.Type != "CALLBACK" || frame.Headers["topic"] != dingtalktest.BotTopic || frame.Headers["contentType"] != "application/json" ||
		frame.Headers["time"] == "" || data["msgId"] != id || data["text"].(map[string]any)["content"] != " /状态" {
		t.Errorf("frame = %+v, data = %v", frame, data)
	}
	ack := map[string]any{"code": 200, "headers": map[string]string{"messageId": frame.Headers["messageId"], "contentType": "application/json"}, "message": "OK", "data": ""}
	if err := ws.WriteJSON(ack); err != nil {
		t.Fatal(err)
	}
	if !f.WaitFor(5*time.Second, func() bool { return len(f.Acks(id)) == 1 }) {
		t.Fatal("ack not recorded")
	}

	// The sessionWebhook records the reply against the message.
	hook := data["sessionWebhook"].(string)
	code, out := postJSON(t, hook, map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": "t", "text": "ok"}})
	if code != 200 || out["errcode"].(float64) != 0 {
		t.Fatalf("session reply: HTTP %d %v", code, out)
	}
	if r := f.Replies(id); len(r) != 1 || r[0].Text != "ok" {
		t.Errorf("replies = %+v", r)
	}
}

func TestWebhookSignature(t *testing.T) {
	f := dingtalktest.NewServer(t)
	body := map[string]any{"msgtype": "text", "text": map[string]string{"content": "hi"}}
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	old := strconv.FormatInt(time.Now().Add(-2*time.Hour).UnixMilli(), 10)
	for _, c := range []struct {
		ts, sign string
		want     float64
	}{
		{ts, dingtalktest.Sign(f.WebhookSecret, ts), 0},
		{ts, dingtalktest.Sign("SEC-other", ts), 310000},
		{old, dingtalktest.Sign(f.WebhookSecret, old), 310000},
		{"", "", 310000},
	} {
		u := f.WebhookURL() + "&timestamp=" + c.ts + "&sign=" + url.QueryEscape(c.sign)
		_, out := postJSON(t, u, body)
		if out["errcode"].(float64) != c.want {
			t.Errorf("ts %s sign %q: errcode %v, want %v", c.ts, c.sign, out["errcode"], c.want)
		}
	}
	if n := len(f.SentVia("webhook")); n != 1 {
		t.Errorf("%d webhook messages accepted, want 1", n)
	}
}

// actionCards are recorded with their button and refused, as the platform
// does, without one: errcode 40035 on webhooks, HTTP 400 on the OpenAPI.
func TestActionCardValidated(t *testing.T) {
	f := dingtalktest.NewServer(t)
	hook := func() string {
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		return f.WebhookURL() + "&timestamp=" + ts + "&sign=" + url.QueryEscape(dingtalktest.Sign(f.WebhookSecret, ts))
	}
	card := func(singleURL string) map[string]any {
		return map[string]any{"msgtype": "actionCard", "actionCard": map[string]string{
			"title": "通报", "text": "全部完成", "singleTitle": "打开进度看板", "singleURL": singleURL, "btnOrientation": "0"}}
	}
	if _, out := postJSON(t, hook(), card("")); out["errcode"] != float64(40035) {
		t.Errorf("webhook card without singleURL: %v", out)
	}
	if _, out := postJSON(t, hook(), card("https://x.example/")); out["errcode"] != float64(0) {
		t.Errorf("webhook card: %v", out)
	}
	if w := f.SentVia("webhook"); len(w) != 1 || w[0].MsgType != "actionCard" || w[0].SingleURL != "https://x.example/" || w[0].SingleTitle != "打开进度看板" {
		t.Errorf("webhook sends = %+v", w)
	}

	_, tok := postJSON(t, f.URL+"/v1.0/oauth2/accessToken", map[string]string{"appKey": f.ClientID, "appSecret": f.ClientSecret})
	send := func(param map[string]string) (int, map[string]any) {
		p, _ := json.Marshal(param)
		b, _ := json.Marshal(map[string]any{"robotCode": f.RobotCode, "openConversationId": f.GroupID, "msgKey": "sampleActionCard", "msgParam": string(p)})
		req, _ := http.NewRequest(http.MethodPost, f.URL+"/v1.0/robot/groupMessages/send", bytes.NewReader(b))
		req.Header.Set("x-acs-dingtalk-access-token", tok["accessToken"].(string))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, out := send(map[string]string{"title": "通报", "text": "x", "singleTitle": "看板"}); code != 400 || out["code"] != "invalidParameter.msgParam.invalid" {
		t.Errorf("sampleActionCard without singleURL: HTTP %d %v", code, out)
	}
	if code, out := send(map[string]string{"title": "通报", "text": "x", "singleTitle": "看板", "singleURL": "https://x.example/"}); code != 200 {
		t.Errorf("sampleActionCard: HTTP %d %v", code, out)
	}
	if g := f.SentVia("group"); len(g) != 1 || g[0].MsgType != "sampleActionCard" || g[0].SingleURL != "https://x.example/" {
		t.Errorf("group sends = %+v", g)
	}
}
