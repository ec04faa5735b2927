package calendar

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"
)

//go:embed holidays/*.json
var files embed.FS

// Calendar is an immutable set of listed days; safe for concurrent use.
type Calendar struct {
	// off maps a listed date to true for a day off, false for a make-up workday.
	off   map[date]bool
	years map[int]bool
}

// date is a calendar date without a zone, so that a day is the same day
// whatever location the caller's time is in.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

// file is one holiday-cn YYYY.json.
type file struct {
	Year int `json:"year"`
	Days []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay bool   `json:"isOffDay"`
	} `json:"days"`
}

// Default returns the calendar compiled from holidays/*.json.
func Default() (*Calendar, error) {
	return Load(files, "holidays")
}

// Load reads every *.json file of holiday-cn's shape in dir of fsys.
func Load(fsys fs.FS, dir string) (*Calendar, error) {
	names, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, fmt.Errorf("calendar: list %s: %w", dir, err)
	}
	c := &Calendar{off: map[date]bool{}, years: map[int]bool{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("calendar: read %s: %w", name, err)
		}
		var f file
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("calendar: parse %s: %w", name, err)
		}
		if f.Year == 0 {
			return nil, fmt.Errorf("calendar: %s: no year", name)
		}
		c.years[f.Year] = true
		for _, d := range f.Days {
			t, err := time.Parse(time.DateOnly, d.Date)
			if err != nil {
				return nil, fmt.Errorf("calendar: %s: day %q: %w", name, d.Date, err)
			}
			// A file may list the last days of the year before (2019.json
			// starts at 2018-12-29); the same date in two files must agree.
			k := dateOf(t)
			if prev, ok := c.off[k]; ok && prev != d.IsOffDay {
				return nil, fmt.Errorf("calendar: %s: %s listed twice, differently", name, d.Date)
			}
			c.off[k] = d.IsOffDay
		}
	}
	return c, nil
}

// IsWorkday reports whether day's date, in day's location, is a working
// day: a listed day off is not, a listed make-up workday is (even on a
// weekend), and any other day is when it falls Monday to Friday.
func (c *Calendar) IsWorkday(day time.Time) bool {
	if off, ok := c.off[dateOf(day)]; ok {
		return !off
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Workdays counts the working days after from's date up to and including
// to's date, both taken in to's location. It is 0 when to's date is not
// after from's.
func (c *Calendar) Workdays(from, to time.Time) int {
	loc := to.Location()
	fy, fm, fd := from.In(loc).Date()
	ty, tm, td := to.Date()
	end := time.Date(ty, tm, td, 12, 0, 0, 0, loc)
	n := 0
	// Step by calendar date at noon, so daylight-saving shifts cannot skip
	// or repeat a day.
	for d := time.Date(fy, fm, fd+1, 12, 0, 0, 0, loc); !d.After(end); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// Known reports whether the calendar has the official data for year; other
// years fall back to Monday–Friday.
func (c *Calendar) Known(year int) bool { return c.years[year] }
