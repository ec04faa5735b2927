// Package bot is the core between a chat adapter and the commands: the
// message types (message.go) and the Dispatcher that every adapter hands its
// messages to.
//
// # Dispatching
//
// An adapter calls Dispatcher.Submit with a Message and a ReplyFunc that posts
// a Reply back where the message came from, then acknowledges the message to
// its platform at once. The Dispatcher queues the message (a bounded queue:
// when it is full Submit waits, so back-pressure reaches the adapter instead
// of a message being dropped) and a bounded pool of workers runs the Handler.
//
// Each message is answered once: a worker first claims "msg:<id>" through a
// Claimer (Redis SET NX across replicas, or NewMemoryClaims in one process)
// and releases the claim again when no reply could be sent, so a redelivery
// of the same message can still be answered. When the Claimer itself fails
// (Redis down) the person still gets a short Chinese error reply within
// seconds rather than silence. A message without text gets a hint. Panics in
// a Handler or a ReplyFunc are recovered and logged; the person sees a short
// error reply.
//
// # Shutdown
//
// Dispatcher.Shutdown stops taking messages and waits, bounded by its
// context, until every accepted message has been answered; when the context
// ends first, work still running is cancelled.
package bot
