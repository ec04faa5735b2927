package store

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Field names, as the import/export headers spell them. Audit records and
// /set use the same words, so what people type is what they read back.
const (
	FieldName      = "学校名称"
	FieldAliases   = "别名"
	FieldCategory  = "类别"
	FieldInScope   = "纳入统计"
	FieldAdmin     = "学习管理员"
	FieldAdminID   = "管理员钉钉ID"
	FieldMobile    = "管理员手机"
	FieldBranches  = "党支部数"
	FieldCovered   = "已覆盖党支部数"
	FieldMembers   = "党员数"
	FieldActivated = "已激活党员数"
	FieldDue       = "截止时间"
)

// Diff lists what changed from before to after, field by field, in a fixed
// order. Milestones are named by their title. An empty result means no change.
func Diff(before, after Org, milestones []Milestone) []FieldChange {
	var out []FieldChange
	add := func(field, b, a string) {
		if b != a {
			out = append(out, FieldChange{Field: field, Before: b, After: a})
		}
	}
	add(FieldName, before.Name, after.Name)
	add(FieldAliases, strings.Join(before.Aliases, "、"), strings.Join(after.Aliases, "、"))
	add(FieldCategory, string(before.Category), string(after.Category))
	add(FieldInScope, yesNo(before.InScope), yesNo(after.InScope))
	add(FieldAdmin, before.Admin.Name, after.Admin.Name)
	add(FieldAdminID, before.Admin.UserID, after.Admin.UserID)
	add(FieldMobile, before.Admin.Mobile, after.Admin.Mobile)
	add(FieldBranches, strconv.Itoa(before.Branches), strconv.Itoa(after.Branches))
	add(FieldCovered, strconv.Itoa(before.BranchesCovered), strconv.Itoa(after.BranchesCovered))
	add(FieldMembers, strconv.Itoa(before.Members), strconv.Itoa(after.Members))
	add(FieldActivated, strconv.Itoa(before.MembersActivated), strconv.Itoa(after.MembersActivated))
	ids := make([]string, 0, len(milestones))
	title := map[string]string{}
	for _, m := range milestones {
		ids = append(ids, m.ID)
		title[m.ID] = m.Title
	}
	for id := range before.Progress {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for id := range after.Progress {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		name := title[id]
		if name == "" {
			name = id
		}
		add(name, progressText(before.Progress[id]), progressText(after.Progress[id]))
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// progressText renders a progress state for the audit trail.
func progressText(p Progress) string {
	if !p.Done {
		return "未完成"
	}
	if p.At.IsZero() {
		return "已完成"
	}
	return "已完成（" + p.At.In(Shanghai()).Format("2006-01-02") + "）"
}

// Shanghai is Asia/Shanghai. It falls back to a fixed UTC+8 zone when the
// host has no zoneinfo (a scratch container), which is exact for China:
// it has kept UTC+8 without daylight saving since 1991.
func Shanghai() *time.Location { return shanghai() }

var shanghai = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
})
