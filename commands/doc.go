// Package commands reads what people type to xuexibot and answers it: a
// parser, a Router that implements bot.Handler, one file per command, and
// the Chinese rendering of their replies.
//
// # Reading messages
//
// Parse folds full-width forms (／ ＝ ，), treats every Unicode space as a
// space, drops leading @mentions and keeps quoted words ("…" or “…”)
// together. A message with a slash names a command by its English name
// (any case) or a Chinese alias; one without a slash is read as a school's
// name (/status) or, when it asks about 进度/情况/汇总, as /summary.
//
// # Routing
//
// Like net/http's ServeMux, a Router maps names to Handlers; Register
// rejects a name or alias that is taken, so a clash stops start-up. /help
// is built from the registrations. Each request runs under recover: a
// panic becomes an internal-error reply and a logged stack.
//
// # Errors
//
// Handlers return errors; Router.fail is the one place that renders them.
// A *store.Error's Chinese Message is shown as is; a failure of the store
// is logged and shown as 数据存储暂时不可用; anything else is logged and
// shown as an internal error, without detail.
//
// # Permissions
//
// Commands that change data need a sender whose staffId is in Config.Admins;
// an empty id never is. A refused attempt, and bad input to an admin
// command, is recorded with Registry.Refuse (against the org when one is
// known) and changes nothing.
//
// # History
//
// /history NAME pages through one org's changes. /history alone (or
// /history 全部) is the general trail: every change of the last 30 days,
// refused attempts and changes about no org (moved deadlines, refusals for
// unknown names) included, newest first.
package commands
