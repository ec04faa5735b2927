package report

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"xuexibot/store"
)

func TestCountdown(t *testing.T) {
	loc := store.Shanghai()
	due := time.Date(2019, 3, 10, 23, 59, 59, 0, loc)
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2019, 3, 3, 9, 0, 0, 0, loc), "还有7天"},
		{time.Date(2019, 3, 9, 23, 59, 0, 0, loc), "还有1天"},
		{time.Date(2019, 3, 10, 0, 0, 0, 0, loc), "今天截止"},
		{time.Date(2019, 3, 10, 23, 59, 59, 0, loc), "今天截止"},
		{time.Date(2019, 3, 11, 0, 0, 0, 0, loc), "已逾期1天"},
		{time.Date(2019, 3, 20, 8, 0, 0, 0, loc), "已逾期10天"},
		// A host in UTC: 2019-03-10 20:00 UTC is already 03-11 in Shanghai.
		{time.Date(2019, 3, 10, 20, 0, 0, 0, time.UTC), "已逾期1天"},
		// 2019-03-09 17:00 UTC is 03-10 01:00 in Shanghai: the due day.
		{time.Date(2019, 3, 9, 17, 0, 0, 0, time.UTC), "今天截止"},
	}
	for _, tt := range tests {
		if got := Countdown(due, tt.now); got != tt.want {
			t.Errorf("Countdown(%v, %v) = %q, want %q", due, tt.now, got, tt.want)
		}
	}
	noon := time.Date(2019, 3, 10, 12, 0, 0, 0, loc)
	if got := Countdown(noon, noon.Add(time.Hour)); got != "今天已截止" {
		t.Errorf("Countdown after a due time earlier today = %q, want 今天已截止", got)
	}
}

func TestNumeral(t *testing.T) {
	for n, want := range map[int]string{1: "一", 3: "三", 10: "十", 11: "十一", 20: "二十", 23: "二十三", 100: "100"} {
		if got := Numeral(n); got != want {
			t.Errorf("Numeral(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSplitMarkdown(t *testing.T) {
	if got := SplitMarkdown("", 10); got != nil {
		t.Errorf("SplitMarkdown(\"\") = %q, want nil", got)
	}
	if got := SplitMarkdown("短", 100); len(got) != 1 || got[0] != "短" {
		t.Errorf("SplitMarkdown of a short text = %q", got)
	}
	var b strings.Builder
	for i := 0; i < 300; i++ {
		b.WriteString("- 湖南警察学院：已完成认证\n")
		if i%10 == 9 {
			b.WriteString("\n")
		}
	}
	b.WriteString(strings.Repeat("长", 2000)) // one line longer than the limit
	md := b.String()
	const max = 1000
	parts := SplitMarkdown(md, max)
	if len(parts) < 2 {
		t.Fatalf("got %d parts, want several", len(parts))
	}
	var joined strings.Builder
	for i, p := range parts {
		if len(p) > max {
			t.Errorf("part %d has %d bytes, over %d", i, len(p), max)
		}
		if !utf8.ValidString(p) {
			t.Errorf("part %d is not valid UTF-8", i)
		}
		joined.WriteString(p)
	}
	strip := func(s string) string { return strings.ReplaceAll(s, "\n", "") }
	if strip(joined.String()) != strip(md) {
		t.Error("the parts do not add up to the text")
	}
	// Paragraph boundaries are preferred: the first part ends a paragraph.
	if n := strings.Count(parts[0], "\n- "); (n+1)%10 != 0 {
		t.Errorf("first part holds %d lines, want whole paragraphs of 10", n+1)
	}
}

func TestFormatDue(t *testing.T) {
	loc := store.Shanghai()
	now := time.Date(2019, 3, 8, 10, 0, 0, 0, loc)
	tests := []struct {
		due  time.Time
		want string
	}{
		{time.Date(2019, 3, 10, 23, 59, 59, 0, loc), "3月10日 24:00"},
		{time.Date(2019, 3, 10, 23, 59, 0, 0, loc), "3月10日 24:00"},
		{time.Date(2019, 3, 11, 0, 0, 0, 0, loc), "3月10日 24:00"}, // midnight ends the day before
		{time.Date(2019, 3, 16, 18, 0, 0, 0, loc), "3月16日 18:00"},
		{time.Date(2019, 3, 16, 23, 58, 0, 0, loc), "3月16日 23:58"},
		{time.Date(2020, 1, 1, 0, 0, 0, 0, loc), "12月31日 24:00"}, // still 2019: no year
		{time.Date(2020, 1, 2, 23, 59, 59, 0, loc), "2020年1月2日 24:00"},
		{time.Date(2019, 3, 10, 15, 59, 59, 0, time.UTC), "3月10日 24:00"}, // the same instant in UTC
	}
	for _, tt := range tests {
		if got := FormatDue(tt.due, now); got != tt.want {
			t.Errorf("FormatDue(%v) = %q, want %q", tt.due, got, tt.want)
		}
	}
	// A midnight deadline counts down to the day it ends.
	midnight := time.Date(2019, 3, 11, 0, 0, 0, 0, loc)
	for now, want := range map[time.Time]string{
		time.Date(2019, 3, 10, 12, 0, 0, 0, loc): "今天截止",
		midnight:                                 "今天截止",
		time.Date(2019, 3, 9, 12, 0, 0, 0, loc):  "还有1天",
		midnight.Add(time.Second):                "已逾期1天",
	} {
		if got := Countdown(midnight, now); got != want {
			t.Errorf("Countdown(midnight, %v) = %q, want %q", now, got, want)
		}
	}
}

func TestChangeLine(t *testing.T) {
	at := time.Date(2019, 3, 8, 10, 2, 0, 0, store.Shanghai())
	who := store.Actor{ID: "admin1", Nick: "王管理"}
	tests := []struct {
		name string
		ch   store.Change
		want string
	}{
		{"deadline", store.Change{At: at, Actor: who, Command: "/deadline 认证 2019-03-15",
			Fields: []store.FieldChange{{Field: "「完成上下级认证」截止时间", Before: "2019-03-10 23:59", After: "2019-03-15 23:59"}}},
			"2019-03-08 10:02 王管理（admin1）：「完成上下级认证」截止时间 2019-03-10 24:00 → 2019-03-15 24:00"},
		{"deadline with time", store.Change{At: at, Actor: who, Command: "/deadline 认证 2019-03-16 18:00",
			Fields: []store.FieldChange{{Field: "「完成上下级认证」截止时间", Before: "2019-03-16 00:00", After: "2019-03-16 18:00"}}},
			"2019-03-08 10:02 王管理（admin1）：「完成上下级认证」截止时间 2019-03-15 24:00 → 2019-03-16 18:00"},
		{"refused, no org", store.Change{At: at, Actor: store.Actor{ID: "user9", Nick: "路人甲"}, Command: "/deadline 认证 2019-03-15",
			Refused: true, Reason: "无权限：不是管理员"},
			"2019-03-08 10:02 路人甲（user9） 被拒绝：/deadline 认证 2019-03-15（无权限：不是管理员）"},
		{"long command", store.Change{At: at, Actor: who, Command: "/set " + strings.Repeat("长", 100), Refused: true, Reason: "“x”对应多所学校。候选：\n\n1. 甲\n2. 乙"},
			"2019-03-08 10:02 王管理（admin1） 被拒绝：/set " + strings.Repeat("长", MaxLineText-5) + "…（“x”对应多所学校。候选： 1. 甲 2. 乙）"},
	}
	for _, tt := range tests {
		if got := ChangeLine(tt.ch); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
