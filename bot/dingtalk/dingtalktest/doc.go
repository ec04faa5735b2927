// Package dingtalktest is a loopback fake of the DingTalk open platform for
// tests, in the manner of net/http/httptest: NewServer starts it, Server.URL
// is the api_host to configure, and the real stream SDK connects to it.
//
// # What it serves
//
//   - POST /v1.0/gateway/connections/open registers a stream connection and
//     returns ws://127.0.0.1:port/connect with a single-use ticket valid 90 s.
//   - GET /connect?ticket= upgrades to the stream websocket. The fake sends
//     CALLBACK data frames (headers topic, messageId, contentType, time; data
//     a JSON string) and SYSTEM ping and disconnect frames, answers websocket
//     pings, and records every ACK by message.
//   - Each pushed message carries its own sessionWebhook on a second listener
//     (another port of 127.0.0.1, as oapi.dingtalk.com is another host than
//     api.dingtalk.com); replies are recorded with the session they went to.
//   - POST /v1.0/oauth2/accessToken, /v1.0/robot/groupMessages/send and
//     /v1.0/robot/oToMessages/batchSend check credentials, the token, the
//     robot code, the group and msgParam's size (15000 bytes). msgKey may
//     be sampleMarkdown, sampleText or sampleActionCard, whose msgParam
//     must hold title, text, singleTitle and singleURL (else HTTP 400
//     invalidParameter.msgParam.invalid).
//   - POST /robot/send?access_token=&timestamp=&sign= is the custom group
//     robot; it checks the 加签 signature and dedupes on msgUuid. Bodies
//     (here and on sessionWebhooks) may be text, markdown or actionCard;
//     an actionCard needs title, text and singleTitle with singleURL (or
//     btns), else errcode 40035 (缺少参数; the real code is unconfirmed).
//     Sent records an actionCard's button as SingleTitle and SingleURL.
//
// # Switches
//
// Throttle answers the next sends with a throttling error; Redeliver pushes
// a message id again; DropAll cuts every connection; Silence makes the
// current connections stop answering anything, as a half-dead link does;
// Disconnect sends SYSTEM disconnect and closes 10 s later like the real
// server; ExpireSessions makes every sessionWebhook answer as expired;
// FailRegistrations refuses the next registrations; FailOnce fails one later
// send that matches (HTTP 500 system.error), e.g. the second part of a
// message.
//
// # Measuring
//
// MeasureRoundTrips pushes messages and times each until its first reply
// reaches its sessionWebhook: the push→reply latency a person sees, less the
// network.
package dingtalktest
