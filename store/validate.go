package store

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Validate checks orgs about to be written (a seed, an import, the result
// of an Update) and names every problem at once, each with its position,
// as one *Error with code EInvalid; nil when all are fine. Both backends
// call it, so they refuse the same things.
func Validate(orgs []Org) error {
	var bad []string
	seen := make(map[string]int, len(orgs))
	for i, o := range orgs {
		who := fmt.Sprintf("第%d个组织", i+1)
		if len(orgs) == 1 {
			who = "组织"
		}
		if o.Name != "" {
			who += "「" + o.Name + "」"
		}
		switch {
		case strings.TrimSpace(o.ID) == "":
			bad = append(bad, who+"缺少标识（学校标识码）")
		case strings.IndexFunc(o.ID, unicode.IsSpace) >= 0 || strings.ContainsAny(o.ID, "{}"):
			// Redis keys carry the id inside a {hash tag}.
			bad = append(bad, fmt.Sprintf("%s的标识「%s」含有空白或花括号", who, o.ID))
		default:
			if j, dup := seen[o.ID]; dup {
				bad = append(bad, fmt.Sprintf("%s的标识 %s 与第%d个重复", who, o.ID, j))
			}
			seen[o.ID] = i + 1 // 1-based, as the message counts
		}
		if strings.TrimSpace(o.Name) == "" {
			bad = append(bad, fmt.Sprintf("%s（标识 %s）缺少%s", who, o.ID, FieldName))
		}
		if o.Level < LevelPropaganda {
			bad = append(bad, fmt.Sprintf("%s的层级 %d 无效", who, o.Level))
		}
		if o.Level == LevelUniversity && !o.Category.Valid() {
			bad = append(bad, fmt.Sprintf("%s的%s「%s」无效，应为本科、高专或高职", who, FieldCategory, o.Category))
		}
		if o.Branches < 0 || o.BranchesCovered < 0 || o.Members < 0 || o.MembersActivated < 0 {
			bad = append(bad, who+"的党支部数和党员数不能为负数")
		}
	}
	if len(bad) > 0 {
		return Errorf(EInvalid, "数据有误，未做任何修改：%s。", strings.Join(bad, "；"))
	}
	return nil
}

// MergeMilestone applies a SetMilestone request to the stored milestone:
// the title, short word, text and due time where upd sets them. The id,
// level and order never change, so counters and indexes stay valid.
func MergeMilestone(old, upd Milestone) Milestone {
	next := old
	if upd.Title != "" {
		next.Title = upd.Title
	}
	if upd.Short != "" {
		next.Short = upd.Short
	}
	if upd.Text != "" {
		next.Text = upd.Text
	}
	if !upd.Due.IsZero() {
		next.Due = upd.Due
	}
	return next
}

// Audit field names of a milestone.
const (
	FieldMilestoneTitle = "节点名称"
	FieldMilestoneShort = "节点简称"
	FieldMilestoneText  = "节点要求"
)

// MilestoneDiff lists what changed from a to b for the audit trail; empty
// when nothing did.
func MilestoneDiff(a, b Milestone) []FieldChange {
	var out []FieldChange
	add := func(f, x, y string) {
		if x != y {
			out = append(out, FieldChange{Field: f, Before: x, After: y})
		}
	}
	add(FieldMilestoneTitle, a.Title, b.Title)
	add(FieldMilestoneShort, a.Short, b.Short)
	add(FieldMilestoneText, a.Text, b.Text)
	if !a.Due.Equal(b.Due) {
		// Name the milestone: the change belongs to no school, so nothing
		// else on the audit line says which deadline moved.
		add("「"+b.Title+"」"+FieldDue, dueText(a.Due), dueText(b.Due))
	}
	return out
}

func dueText(t time.Time) string {
	if t.IsZero() {
		return "无"
	}
	return t.In(Shanghai()).Format("2006-01-02 15:04")
}
