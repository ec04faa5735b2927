package bot

import (
	"context"
	"time"
)

// ConversationType says whether a message came from a group or a 1:1 chat.
type ConversationType string

// Conversation types, as DingTalk numbers them ("1" and "2").
const (
	Direct ConversationType = "1"
	Group  ConversationType = "2"
)

// Message is one incoming message, whatever adapter it came through.
type Message struct {
	ID           string // the platform's message id; replicas dedupe on it
	Conversation string // DingTalk openConversationId; "console" for the console
	Type         ConversationType
	Title        string // the group's name, when known
	Sender       User
	Text         string // trimmed; "" for a picture, a file or a quota error
	At           time.Time
}

// User is a person on the platform.
type User struct {
	ID   string // DingTalk staffId; "" for external members, who are never admins
	Nick string
}

// Reply is what the bot says back. Markdown stays within DingTalk's subset:
// headings, bold, lists, quotes and links; no tables and no code blocks.
type Reply struct {
	Title    string // shown in notifications; adapters default it from the text
	Markdown string
	// Mentions are the people to @. Adapters that can @ put "@userId" in the
	// text and in at.atUserIds; the others name them in plain text.
	Mentions []Mention
	// Link, when set, is offered as a button (the dashboard).
	Link *Link
}

// Mention is one person to notify.
type Mention struct {
	UserID string
	Mobile string
	Name   string
}

// Link is a titled URL.
type Link struct {
	Title string
	URL   string
}

// Handler answers a message. Implementations must be safe for concurrent
// use. A zero Reply means "say nothing".
type Handler interface {
	Handle(ctx context.Context, m Message) Reply
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m Message) Reply

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m Message) Reply { return f(ctx, m) }
