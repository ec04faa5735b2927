package sheet

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"xuexibot/store"
)

// Headers the store does not name; the others are store.Field*.
const (
	FieldID         = "学校标识码"
	FieldCity       = "所在地"
	FieldOwnership  = "办学性质"
	FieldSupervisor = "主管部门"
	FieldNote       = "备注"
)

// Progress cell words.
const (
	textDone    = "已完成"
	textPending = "未完成"
)

// column is one spreadsheet column: how to write a field and how to read it.
type column struct {
	header string
	width  float64 // XLSX column width, in characters
	get    func(o store.Org) any
	// set applies cell v to o and returns why v is wrong, or "".
	set func(o *store.Org, v string, r *row) string
}

// row is what a setter may need besides the cell.
type row struct {
	before store.Org // the org as the registry holds it; zero for a new one
	isNew  bool
	now    time.Time
	actor  store.Actor
}

// columns returns the columns in export order: the fixed ones, then one per
// milestone by Order.
func columns(milestones []store.Milestone) []column {
	cols := []column{
		{FieldID, 14, func(o store.Org) any { return o.ID }, nil}, // identifies the row; see decode
		{store.FieldName, 28, func(o store.Org) any { return o.Name }, setName},
		{store.FieldAliases, 20, func(o store.Org) any { return strings.Join(o.Aliases, "、") }, setAliases},
		{store.FieldCategory, 8, func(o store.Org) any { return string(o.Category) }, setCategory},
		{FieldCity, 14, func(o store.Org) any { return o.City }, setText(func(o *store.Org) *string { return &o.City })},
		{FieldOwnership, 8, func(o store.Org) any { return o.Ownership }, setOwnership},
		{FieldSupervisor, 14, func(o store.Org) any { return o.Supervisor }, setText(func(o *store.Org) *string { return &o.Supervisor })},
		{store.FieldInScope, 8, func(o store.Org) any { return yesNo(o.InScope) }, setInScope},
		{FieldNote, 24, func(o store.Org) any { return o.Note }, setText(func(o *store.Org) *string { return &o.Note })},
		{store.FieldAdmin, 10, func(o store.Org) any { return o.Admin.Name }, setText(func(o *store.Org) *string { return &o.Admin.Name })},
		{store.FieldAdminID, 16, func(o store.Org) any { return o.Admin.UserID }, setText(func(o *store.Org) *string { return &o.Admin.UserID })},
		{store.FieldMobile, 14, func(o store.Org) any { return o.Admin.Mobile }, setMobile},
		{store.FieldBranches, 10, func(o store.Org) any { return o.Branches }, setInt(store.FieldBranches, func(o *store.Org) *int { return &o.Branches })},
		{store.FieldCovered, 14, func(o store.Org) any { return o.BranchesCovered }, setInt(store.FieldCovered, func(o *store.Org) *int { return &o.BranchesCovered })},
		{store.FieldMembers, 10, func(o store.Org) any { return o.Members }, setInt(store.FieldMembers, func(o *store.Org) *int { return &o.Members })},
		{store.FieldActivated, 14, func(o store.Org) any { return o.MembersActivated }, setInt(store.FieldActivated, func(o *store.Org) *int { return &o.MembersActivated })},
	}
	ms := slices.Clone(milestones)
	slices.SortStableFunc(ms, func(a, b store.Milestone) int { return a.Order - b.Order })
	for _, m := range ms {
		cols = append(cols, column{
			header: m.Title,
			width:  20,
			get:    func(o store.Org) any { return progressCell(o.Progress[m.ID]) },
			set:    setProgress(m),
		})
	}
	return cols
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// progressCell renders p as export writes it.
func progressCell(p store.Progress) string {
	switch {
	case !p.Done:
		return textPending
	case p.At.IsZero():
		return textDone
	}
	return textDone + "（" + p.At.In(store.Shanghai()).Format(time.DateOnly) + "）"
}

func setText(field func(o *store.Org) *string) func(*store.Org, string, *row) string {
	return func(o *store.Org, v string, _ *row) string {
		*field(o) = v
		return ""
	}
}

func setName(o *store.Org, v string, _ *row) string {
	if v == "" {
		return "学校名称为空"
	}
	o.Name = v
	return ""
}

// aliasSep splits 别名; 、 is what export writes, the others are what people type.
var aliasSep = regexp.MustCompile(`[、,，;；]+`)

func setAliases(o *store.Org, v string, _ *row) string {
	var list []string
	for _, a := range aliasSep.Split(v, -1) {
		if a = strings.TrimSpace(a); a != "" && a != o.Name && !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	if !slices.Equal(list, o.Aliases) {
		o.Aliases = list
	}
	return ""
}

func setCategory(o *store.Org, v string, _ *row) string {
	for _, c := range store.Categories() {
		if v == string(c) || v == c.Title() {
			o.Category = c
			return ""
		}
	}
	if v == "" {
		return "类别为空，应为本科、高专或高职"
	}
	return fmt.Sprintf("类别「%s」不对，应为本科、高专或高职", v)
}

func setOwnership(o *store.Org, v string, r *row) string {
	// Only a changed value is checked, so data the registry already holds
	// never blocks an export from being imported again.
	if v != "" && v != "公办" && v != "民办" && v != r.before.Ownership {
		return fmt.Sprintf("办学性质「%s」不对，应为公办或民办", v)
	}
	o.Ownership = v
	return ""
}

func setInScope(o *store.Org, v string, _ *row) string {
	switch v {
	case "是":
		o.InScope = true
	case "否":
		o.InScope = false
	default:
		return fmt.Sprintf("纳入统计「%s」不对，应为是或否", v)
	}
	return ""
}

var mobileRe = regexp.MustCompile(`^1[3-9]\d{9}$`)

func setMobile(o *store.Org, v string, r *row) string {
	v = strings.NewReplacer(" ", "", "-", "").Replace(v)
	if v != "" && v != r.before.Admin.Mobile && !mobileRe.MatchString(v) {
		return fmt.Sprintf("管理员手机「%s」不是11位手机号", v)
	}
	o.Admin.Mobile = v
	return ""
}

// maxNumber bounds the numbers well above any university, so a pasted
// phone number or ID in the wrong column is caught.
const maxNumber = 10_000_000

func setInt(header string, field func(o *store.Org) *int) func(*store.Org, string, *row) string {
	return func(o *store.Org, v string, _ *row) string {
		if v == "" {
			*field(o) = 0
			return ""
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Sprintf("%s「%s」不是非负整数", header, v)
		}
		if n > maxNumber {
			return fmt.Sprintf("%s「%s」过大", header, v)
		}
		*field(o) = n
		return ""
	}
}

// progressRe reads 已完成, 已完成（2019-03-07）, 已完成 2019-03-07, 已完成(2019/3/7)
// and 未完成.
var progressRe = regexp.MustCompile(`^(已完成|未完成)\s*(?:[（(]?\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*[)）]?)?$`)

func setProgress(m store.Milestone) func(*store.Org, string, *row) string {
	return func(o *store.Org, v string, r *row) string {
		if v == "" {
			v = textPending
		}
		g := progressRe.FindStringSubmatch(v)
		if g == nil {
			return fmt.Sprintf("%s「%s」不对，应为已完成、已完成（YYYY-MM-DD）或未完成", m.Title, v)
		}
		before, had := r.before.Progress[m.ID]
		if g[1] == textPending {
			if g[2] != "" {
				return fmt.Sprintf("%s「%s」不对：未完成不能带日期", m.Title, v)
			}
			if before.Done {
				setProgressEntry(o, m.ID, store.Progress{Done: false, At: r.now, By: r.actor})
			}
			return ""
		}
		if g[2] == "" {
			if !before.Done {
				setProgressEntry(o, m.ID, store.Progress{Done: true, At: r.now, By: r.actor})
			}
			return ""
		}
		loc := store.Shanghai()
		y, _ := strconv.Atoi(g[2])
		mo, _ := strconv.Atoi(g[3])
		d, _ := strconv.Atoi(g[4])
		at := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc)
		if at.Year() != y || int(at.Month()) != mo || at.Day() != d {
			return fmt.Sprintf("%s「%s」的日期不存在", m.Title, v)
		}
		if at.After(r.now) {
			return fmt.Sprintf("%s「%s」的日期晚于今天", m.Title, v)
		}
		if had && before.Done && !before.At.IsZero() && before.At.In(loc).Format(time.DateOnly) == at.Format(time.DateOnly) {
			return "" // same day as recorded: keep the exact time and author
		}
		setProgressEntry(o, m.ID, store.Progress{Done: true, At: at, By: r.actor})
		return ""
	}
}

func setProgressEntry(o *store.Org, id string, p store.Progress) {
	if o.Progress == nil {
		o.Progress = map[string]store.Progress{}
	}
	o.Progress[id] = p
}
