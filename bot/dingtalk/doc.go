// Package dingtalk connects the bot to DingTalk. It is the only package that
// imports the stream SDK (github.com/open-dingtalk/dingtalk-stream-sdk-go,
// v0.9.2-beta.1).
//
// # Receiving
//
// Stream keeps one stream-mode connection open and reads every bot message
// frame raw (the SDK's model drops errorMessage and more). Each message is
// handed to a Submitter (the bot.Dispatcher) and the frame is ACKed as soon
// as it is queued; handling happens on the Dispatcher's workers. The group
// in Config.GroupID and the 1:1 chats of Config.Admins are served; other
// conversations get a polite decline. The text is trimmed of the space
// DingTalk leaves after the @mention.
//
// # Staying connected
//
// The SDK's keep-alive pings after Options.KeepAlive (10 s) without traffic
// and drops a link that does not answer within 5 s more, so a silent link is
// noticed within about 15 s. The SDK's own reconnect is turned off: it does
// not retry a failed first connection and tells nobody when it reconnects.
// Instead a watcher calls the SDK's Start every Options.Watch (1 s), which
// is a no-op while connected and opens a new connection after a drop, a
// SYSTEM disconnect or a keep-alive timeout, backing off 1 s to 30 s while
// connecting fails; Connected reports the result and Metrics.Reconnected
// counts reconnections. The SDK logs nothing (its default logger), so
// neither the secret nor message bodies reach the logs.
//
// # Replying
//
// Client.Reply posts markdown to the message's sessionWebhook with the
// sender @-mentioned (in the text and in at.atUserIds), checking errcode.
// It posts only to https URLs on dingtalk.com hosts or to the host of
// api_host; an expired, foreign or refused sessionWebhook falls back to the
// OpenAPI group send (1:1: oToMessages/batchSend). Long replies are split
// below DingTalk's size limits.
//
// A Reply's Link (the dashboard, offered by /summary) becomes a button: the
// last part is an actionCard (webhooks: msgtype actionCard with singleTitle,
// singleURL and btnOrientation "0"; OpenAPI: msgKey sampleActionCard with
// msgParam {title, text, singleTitle, singleURL}) instead of a markdown
// link. An actionCard has no at object, so in that part the people stay
// "@userId" in the text only; whether DingTalk then notifies them is not
// documented.
//
// # Sending
//
// Client.Post sends the reminders' outbox messages: to the group through
// the OpenAPI (sampleMarkdown, msgParam ≤ 15000 bytes) or, when they must
// @-mention people and webhook_url is set, through the custom robot signed
// with 加签; to a person through oToMessages/batchSend; as an actionCard when
// the message has a LinkURL. Post never splits: the OpenAPI has no
// idempotency key, so retrying a message whose second part failed would
// post its first part again. The outbox holds messages already cut to size
// (package remind), and one that would still need several sends is refused
// with ErrTooLong before anything is posted. ErrTooLong and refusals of the
// message itself (*APIError with Permanent true) tell the reminder sender
// not to retry what cannot succeed. The access token is
// cached until 5 minutes before it expires and fetched once however many
// sends wait for it. Sends are paced per group (20 in any minute; later ones
// wait, none is dropped), throttling answers (429, send.too.fast, busy) are
// retried with back-off, and what stays throttled is returned as a
// *ThrottledError (errors.Is(err, ErrThrottled)) with RetryAfter.
//
// # Benchmarks
//
// Echo is the same connection handling with nothing behind it: the floor
// against which the bot's push→reply latency is measured with
// dingtalktest.Server.MeasureRoundTrips.
package dingtalk
