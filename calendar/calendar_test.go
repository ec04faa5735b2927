package calendar

import (
	"testing"
	"testing/fstest"
	"time"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIsWorkday(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		day  string
		want bool
		why  string
	}{
		{"2019-03-10", false, "Sunday, the certification deadline"},
		{"2019-03-08", true, "an ordinary Friday"},
		{"2019-03-09", false, "an ordinary Saturday"},
		{"2019-02-02", true, "Saturday made a workday for the Spring Festival"},
		{"2019-02-03", true, "Sunday made a workday for the Spring Festival"},
		{"2019-02-04", false, "Spring Festival eve"},
		{"2019-02-05", false, "Spring Festival"},
		{"2019-02-08", false, "Spring Festival week, a Friday"},
		{"2019-02-11", true, "first day back"},
		{"2018-12-29", true, "make-up workday listed in 2019.json"},
		{"2019-10-01", false, "National Day"},
		{"2030-01-07", true, "a Monday in a year without data"},
		{"2030-01-06", false, "a Sunday in a year without data"},
	} {
		if got := c.IsWorkday(day(t, tc.day)); got != tc.want {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tc.day, got, tc.want, tc.why)
		}
	}
}

func TestSpringFestivalWeekOff(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for d := day(t, "2019-02-04"); d.Before(day(t, "2019-02-11")); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			t.Errorf("%s should be off", d.Format(time.DateOnly))
		}
	}
}

func TestWorkdays(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2019-03-07", "2019-03-10", 1}, // Fri 8th only; Sat, Sun off
		{"2019-03-10", "2019-03-10", 0}, // same day
		{"2019-03-10", "2019-03-07", 0}, // backwards
		{"2019-01-31", "2019-02-11", 4}, // Fri 1, Sat 2, Sun 3 (make-up), Mon 11; the festival week off
		{"2019-02-03", "2019-02-10", 0}, // only the festival week after the make-up Sunday
		{"2019-09-30", "2019-10-08", 1}, // National Day week off, Tue 8th back (Sat 12th is a make-up day but outside)
		{"2019-10-07", "2019-10-12", 5}, // Tue-Fri and the make-up Saturday 12th
		{"2030-01-04", "2030-01-14", 6}, // no data: Mon-Fri
	} {
		if got := c.Workdays(day(t, tc.from), day(t, tc.to)); got != tc.want {
			t.Errorf("Workdays(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

// The day is the caller's day: 16:30 UTC on the 9th is already Sunday the
// 10th in Shanghai.
func TestLocation(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	utc := time.Date(2019, 3, 9, 16, 30, 0, 0, time.UTC) // Saturday in UTC
	sh := utc.In(day(t, "2019-03-10").Location())
	if c.IsWorkday(utc) || c.IsWorkday(sh) {
		t.Error("both Saturday (UTC) and Sunday (Shanghai) are days off")
	}
	friUTC := time.Date(2019, 3, 7, 16, 30, 0, 0, time.UTC) // Thu UTC, Fri 00:30 Shanghai
	if got := c.Workdays(friUTC, day(t, "2019-03-11")); got != 1 {
		t.Errorf("Workdays from Fri 00:30 Shanghai to Mon = %d, want 1 (Mon only)", got)
	}
}

func TestKnown(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for y := 2019; y <= 2026; y++ {
		if !c.Known(y) {
			t.Errorf("Known(%d) = false", y)
		}
	}
	if c.Known(2018) || c.Known(2030) {
		t.Error("years without a file must not be known")
	}
}

func TestLoadErrors(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"bad json": {"h/2019.json": {Data: []byte("{")}},
		"no year":  {"h/2019.json": {Data: []byte(`{"days":[]}`)}},
		"bad date": {"h/2019.json": {Data: []byte(`{"year":2019,"days":[{"date":"2019-13-01","isOffDay":true}]}`)}},
		"conflict": {
			"h/2019.json": {Data: []byte(`{"year":2019,"days":[{"date":"2019-12-31","isOffDay":true}]}`)},
			"h/2020.json": {Data: []byte(`{"year":2020,"days":[{"date":"2019-12-31","isOffDay":false}]}`)},
		},
	} {
		if _, err := Load(fsys, "h"); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}
