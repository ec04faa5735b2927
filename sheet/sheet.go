package sheet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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
// written. A file that cannot be used is reported for people as a
// *store.Error (through errors.As): store.EInvalid for an unsupported
// extension or an unreadable file, store.ENotFound for a missing one; the
// system's error stays wrapped (errors.Is(err, fs.ErrNotExist) holds).
// Registry failures are wrapped as they are.
//
// The registry is read before it is written, so a change made through the
// bot while the file is being checked is overwritten for the universities
// the file changes; import when the group is quiet.
func Import(ctx context.Context, reg Registry, path string, meta store.Meta) (n int, err error) {
	if _, err := FormatOf(path); err != nil {
		return 0, err // before touching the registry or the disk
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, readError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return 0, readError(path, err)
	} else if st.IsDir() {
		return 0, readError(path, &fs.PathError{Op: "read", Path: path, Err: errIsDir})
	}
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
// whole sheet is written. n is the number of universities written. Errors
// are reported like Import's: store.EInvalid for an unsupported extension
// or a path that cannot be written, store.ENotFound when its folder does
// not exist, the system's error wrapped.
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
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		// Checked first so no temporary file is written in vain.
		return 0, writeError(path, &fs.PathError{Op: "write", Path: path, Err: errIsDir})
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".export-*"+filepath.Ext(path))
	if err != nil {
		return 0, writeError(path, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := Encode(path, tmp, orgs, ms); err != nil {
		tmp.Close()
		return 0, writeError(path, err) // the disk, since the format was checked
	}
	if err := tmp.Close(); err != nil {
		return 0, writeError(path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, writeError(path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, writeError(path, err)
	}
	return n, nil
}
