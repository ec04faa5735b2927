package sheet

import (
	"cmp"
	"io"
	"slices"

	"xuexibot/store"
)

// Encode writes the universities (level 3) among orgs, by Order, in the
// format filename's extension names, with every column Decode reads.
// Numbers are written as numbers, codes and mobiles as text.
func Encode(filename string, w io.Writer, orgs []store.Org, milestones []store.Milestone) error {
	format, err := FormatOf(filename)
	if err != nil {
		return err
	}
	var unis []store.Org
	for _, o := range orgs {
		if o.Level == store.LevelUniversity {
			unis = append(unis, o)
		}
	}
	slices.SortStableFunc(unis, func(a, b store.Org) int { return cmp.Compare(a.Order, b.Order) })
	cols := columns(milestones)
	rows := make([][]any, len(unis))
	for i, o := range unis {
		r := make([]any, len(cols))
		for j, c := range cols {
			r[j] = c.get(o)
		}
		rows[i] = r
	}
	return writeTable(format, w, cols, rows)
}
