// Package console is the terminal adapter: it reads one message per line
// from an io.Reader (typed or piped), passes each to a bot.Handler and
// writes the reply as plain text, so the whole bot can be tried, and
// tested, without DingTalk.
package console
