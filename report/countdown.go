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
	case !now.After(due) && d == 0:
		return "今天截止"
	case !now.After(due):
		return "还有" + strconv.Itoa(d) + "天"
	case d == 0:
		return "今天已截止"
	}
	return "已逾期" + strconv.Itoa(-d) + "天"
}

// Days is the number of calendar days from now's date to due's date in
// Asia/Shanghai: positive before the due day, negative after it.
func Days(due, now time.Time) int {
	loc := store.Shanghai()
	return dayNumber(due.In(loc)) - dayNumber(now.In(loc))
}

// dayNumber counts days since the epoch for t's calendar date in its zone.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// FormatDue renders a due time as people read it: 3月10日 23:59, with the
// year when it is not now's year.
func FormatDue(due, now time.Time) string {
	loc := store.Shanghai()
	due = due.In(loc)
	if due.Year() != now.In(loc).Year() {
		return due.Format("2006年1月2日 15:04")
	}
	return due.Format("1月2日 15:04")
}

// FormatTime renders an event time: 2019-03-08 10:02.
func FormatTime(t time.Time) string {
	return t.In(store.Shanghai()).Format("2006-01-02 15:04")
}
