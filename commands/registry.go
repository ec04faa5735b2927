package commands

import (
	"context"
	"errors"
	"time"

	"xuexibot/store"
)

// Registry is the part of store.Registry the commands use.
type Registry interface {
	Org(ctx context.Context, id string) (store.Org, error)
	Resolve(ctx context.Context, query string) (store.Resolution, error)
	Orgs(ctx context.Context, q store.Query) ([]store.Org, error)
	Count(ctx context.Context, index string) (int, error)
	Milestones(ctx context.Context) ([]store.Milestone, error)
	Counters(ctx context.Context) (store.Counters, error)
	Update(ctx context.Context, id string, m store.Meta, fn func(*store.Org) error) (store.Org, error)
	SetMilestone(ctx context.Context, m store.Meta, ms store.Milestone) error
	Refuse(ctx context.Context, c store.Change) error
	History(ctx context.Context, orgID, cursor string, limit int) ([]store.Change, string, error)
	Latest(ctx context.Context, since time.Time, limit int, withRefused bool) ([]store.Change, error)
}

// storeError is a registry failure that is not about what the person typed:
// the backend is down, slow or broken. People read "try later"; operators
// read Op and the cause in the log.
type storeError struct {
	Op  string
	Err error
}

func (e *storeError) Error() string { return "store: " + e.Op + ": " + e.Err.Error() }
func (e *storeError) Unwrap() error { return e.Err }

// unavailable is what people read when the store fails.
const unavailable = "数据存储暂时不可用，请稍后再试。"

// timed wraps a Registry so every call has its own deadline and a failure
// of the backend becomes a *storeError, while errors meant for people
// (*store.Error, store.ErrNotFound) pass through unchanged.
type timed struct {
	r       Registry
	timeout time.Duration
}

func (t timed) call(ctx context.Context, op string, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	err := f(ctx)
	if err == nil {
		return nil
	}
	var se *store.Error
	if errors.As(err, &se) || errors.Is(err, store.ErrNotFound) {
		return err
	}
	return &storeError{Op: op, Err: err}
}

func (t timed) Org(ctx context.Context, id string) (o store.Org, err error) {
	err = t.call(ctx, "org", func(ctx context.Context) (err error) { o, err = t.r.Org(ctx, id); return })
	return
}

func (t timed) Resolve(ctx context.Context, q string) (res store.Resolution, err error) {
	err = t.call(ctx, "resolve", func(ctx context.Context) (err error) { res, err = t.r.Resolve(ctx, q); return })
	return
}

func (t timed) Orgs(ctx context.Context, q store.Query) (orgs []store.Org, err error) {
	err = t.call(ctx, "orgs", func(ctx context.Context) (err error) { orgs, err = t.r.Orgs(ctx, q); return })
	return
}

func (t timed) Count(ctx context.Context, index string) (n int, err error) {
	err = t.call(ctx, "count", func(ctx context.Context) (err error) { n, err = t.r.Count(ctx, index); return })
	return
}

func (t timed) Milestones(ctx context.Context) (ms []store.Milestone, err error) {
	err = t.call(ctx, "milestones", func(ctx context.Context) (err error) { ms, err = t.r.Milestones(ctx); return })
	return
}

func (t timed) Counters(ctx context.Context) (c store.Counters, err error) {
	err = t.call(ctx, "counters", func(ctx context.Context) (err error) { c, err = t.r.Counters(ctx); return })
	return
}

func (t timed) Update(ctx context.Context, id string, m store.Meta, fn func(*store.Org) error) (o store.Org, err error) {
	err = t.call(ctx, "update", func(ctx context.Context) (err error) { o, err = t.r.Update(ctx, id, m, fn); return })
	return
}

func (t timed) SetMilestone(ctx context.Context, m store.Meta, ms store.Milestone) error {
	return t.call(ctx, "set_milestone", func(ctx context.Context) error { return t.r.SetMilestone(ctx, m, ms) })
}

func (t timed) Refuse(ctx context.Context, c store.Change) error {
	return t.call(ctx, "refuse", func(ctx context.Context) error { return t.r.Refuse(ctx, c) })
}

func (t timed) History(ctx context.Context, orgID, cursor string, limit int) (chs []store.Change, next string, err error) {
	err = t.call(ctx, "history", func(ctx context.Context) (err error) {
		chs, next, err = t.r.History(ctx, orgID, cursor, limit)
		return
	})
	return
}

func (t timed) Latest(ctx context.Context, since time.Time, limit int, withRefused bool) (chs []store.Change, err error) {
	err = t.call(ctx, "latest", func(ctx context.Context) (err error) {
		chs, err = t.r.Latest(ctx, since, limit, withRefused)
		return
	})
	return
}

// userErr is a mistake in what was typed, shown as is.
func userErr(format string, args ...any) error {
	return store.Errorf(store.EInvalid, format, args...)
}
