package report

import (
	"strconv"
	"time"

	"xuexibot/store"
)

// Countdown says how a deadline stands at now, in calendar days in
// Asia/Shanghai: 还有N天, 今天截止, 已逾期N天; 今天已截止 when the due time
// passed earlier today.
func Countdown(due, now time.Time) string {
	d := Days(due, now)
	switch {
	case !now.After(due) && d <= 0: // d < 0 only at a midnight due time
		return "今天截止"
	case !now.After(due):
		return "还有" + strconv.Itoa(d) + "天"
	case d == 0:
		return "今天已截止"
	}
	return "已逾期" + strconv.Itoa(-d) + "天"
}

// Days is the number of calendar days from now's date to the due day in
// Asia/Shanghai (see dueDay): positive before the due day, negative after it.
func Days(due, now time.Time) int {
	loc := store.Shanghai()
	return dayNumber(dueDay(due)) - dayNumber(now.In(loc))
}

// dueDay is due in Asia/Shanghai, moved back one second when it is exactly
// midnight: a deadline of 00:00 ends the day before (24:00), as notices
// say it and as the reminders (package remind) count it.
func dueDay(due time.Time) time.Time {
	due = due.In(store.Shanghai())
	if due.Hour() == 0 && due.Minute() == 0 && due.Second() == 0 && due.Nanosecond() == 0 {
		return due.Add(-time.Second)
	}
	return due
}

// dayNumber counts days since the epoch for t's calendar date in its zone.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// FormatDue renders a due time as people read it: 3月10日 18:00, with the
// year when it is not now's year. The end of a day (23:59 to 23:59:59, or
// midnight, which ends the day before) is written 24:00 of that day, as
// the notice and the reminders write it: 3月10日 24:00.
func FormatDue(due, now time.Time) string {
	d := dueDay(due)
	clock := d.Format("15:04")
	if d.Hour() == 23 && d.Minute() == 59 {
		clock = "24:00"
	}
	if d.Year() != now.In(store.Shanghai()).Year() {
		return d.Format("2006年1月2日") + " " + clock
	}
	return d.Format("1月2日") + " " + clock
}

// FormatTime renders an event time: 2019-03-08 10:02.
func FormatTime(t time.Time) string {
	return t.In(store.Shanghai()).Format("2006-01-02 15:04")
}
