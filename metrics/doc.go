// Package metrics counts what xuexibot does, for Prometheus.
//
// # Registry
//
// New registers every metric, plus the Go runtime and process collectors, on
// a registry of its own rather than the global default, so two bots in one
// test binary never collide and nothing is registered by importing a package.
// Handler serves that registry in the Prometheus exposition format.
//
// # Hooks
//
// Other packages do not import this one: each declares the few methods it
// calls (MessageReceived, CommandHandled, ReminderSent, ...) as its own small
// interface, and main hands them a *Metrics. Every method is safe on a nil
// *Metrics, which records nothing, so a consumer may hold a typed nil.
//
// # Labels
//
// Label values must come from small fixed sets (command names, outcomes
// ok | user_error | denied | internal, job names, store operations), never
// from user input, or the registry grows without bound. An empty value is
// recorded as "unknown".
package metrics
