// Package calendar answers whether a day is a working day in mainland
// China's official calendar: the statutory holidays and the make-up
// workdays (调休) the State Council announces each year.
//
// # Data
//
// The files in holidays/ are compiled in. They come from the
// NateScarlet/holiday-cn project (MIT licence, holidays/LICENSE), which
// transcribes the State Council notices: each listed day is either a day off
// (isOffDay true) or a make-up workday (isOffDay false), and a day not listed
// is a workday Monday to Friday and a day off at the weekend.
//
// A year without a file falls back to Monday–Friday; Known reports which
// years have data, so callers can log the fallback. Adding a year is adding
// its YYYY.json from holiday-cn.
package calendar
