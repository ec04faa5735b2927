package sheet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"xuexibot/store"
)

// Registry is what Import and Export need of a store.Registry.
type Registry interface {
	// Milestones returns the milestones by Order.
	Milestones(ctx context.Context) ([]store.Milestone, error)
	// Orgs lists the members of an index; Import and Export read IndexAll.
	Orgs(ctx context.Context, q store.Query) ([]store.Org, error)
	// Put creates or replaces orgs, all or nothing, auditing each change.
	Put(ctx context.Context, m store.Meta, orgs []store.Org) error
}

// Import reads the spreadsheet at path and writes what it changes in one
// Registry.Put, stamped with meta (meta.At, or the current time when zero).
// n is the number of universities added or changed; 0 for a file that
// matches the registry. When rows are bad, err is Errors and nothing is
// written.
//
// The registry is read before it is written, so a change made through the
// bot while the file is being checked is overwritten for the universities
// the file changes; import when the group is quiet.
func Import(ctx context.Context, reg Registry, path string, meta store.Meta) (n int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("sheet: import %s: %w", path, err)
	}
	defer f.Close()
	ms, err := reg.Milestones(ctx)
	if err != nil {
		return 0, fmt.Errorf("sheet: import %s: milestones: %w", path, err)
	}
	existing, err := reg.Orgs(ctx, store.Query{Index: store.IndexAll})
	if err != nil {
		return 0, fmt.Errorf("sheet: import %s: orgs: %w", path, err)
	}
	now := meta.At
	if now.IsZero() {
		now = time.Now()
	}
	orgs, err := Decode(path, f, ms, existing, now, meta.Actor)
	if err != nil {
		var rows Errors
		if errors.As(err, &rows) {
			return 0, rows // the caller shows these lines as they are
		}
		return 0, fmt.Errorf("sheet: import %s: %w", path, err)
	}
	if len(orgs) == 0 {
		return 0, nil
	}
	if err := reg.Put(ctx, meta, orgs); err != nil {
		return 0, fmt.Errorf("sheet: import %s: put %d orgs: %w", path, len(orgs), err)
	}
	return len(orgs), nil
}

// Export writes every university to path, replacing the file only once the
// whole sheet is written. n is the number of universities written.
func Export(ctx context.Context, reg Registry, path string) (n int, err error) {
	if _, err := FormatOf(path); err != nil {
		return 0, err // before touching the registry or the disk
	}
	ms, err := reg.Milestones(ctx)
	if err != nil {
		return 0, fmt.Errorf("sheet: export %s: milestones: %w", path, err)
	}
	orgs, err := reg.Orgs(ctx, store.Query{Index: store.IndexAll})
	if err != nil {
		return 0, fmt.Errorf("sheet: export %s: orgs: %w", path, err)
	}
	for _, o := range orgs {
		if o.Level == store.LevelUniversity {
			n++
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".export-*"+filepath.Ext(path))
	if err != nil {
		return 0, fmt.Errorf("sheet: export %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := Encode(path, tmp, orgs, ms); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("sheet: export %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("sheet: export %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, fmt.Errorf("sheet: export %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("sheet: export %s: %w", path, err)
	}
	return n, nil
}
