package store

import (
	"slices"
	"time"
)

// Category is a university's kind as the notice groups them.
type Category string

// The notice's three categories, in the notice's order.
const (
	Undergraduate Category = "本科" // 本科学校
	Junior        Category = "高专" // 高等专科学校
	Vocational    Category = "高职" // 高等职业学院
)

// Categories lists the categories in the order reports use; a new slice
// each call, so no caller can change another's.
func Categories() []Category { return []Category{Undergraduate, Junior, Vocational} }

// Title is the heading the notice gives a category, e.g. 本科学校.
func (c Category) Title() string {
	switch c {
	case Undergraduate:
		return "本科学校"
	case Junior:
		return "高等专科学校"
	case Vocational:
		return "高等职业学院"
	}
	return string(c)
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	switch c {
	case Undergraduate, Junior, Vocational:
		return true
	}
	return false
}

// Levels of the learning-organisation tree.
const (
	LevelPropaganda = 1 // 省委宣传部
	LevelCommittee  = 2 // 省委教育工委
	LevelUniversity = 3 // each university
)

// Admin is the 学习管理员 a node names.
type Admin struct {
	Name   string `json:"name,omitempty"`
	UserID string `json:"userId,omitempty"` // DingTalk staffId
	Mobile string `json:"mobile,omitempty"`
}

// Org is one learning-organisation node (学习组织节点).
type Org struct {
	ID       string   `json:"id"` // universities: the MOE code (学校标识码)
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases,omitempty"`
	Level    int      `json:"level"`
	Parent   string   `json:"parent,omitempty"`
	Order    int      `json:"order"` // position in the seed list; lists follow it
	Category Category `json:"category,omitempty"`

	City       string `json:"city,omitempty"`
	Ownership  string `json:"ownership,omitempty"` // 公办/民办
	MOECode    string `json:"moeCode,omitempty"`
	Supervisor string `json:"supervisor,omitempty"` // 主管部门
	Note       string `json:"note,omitempty"`
	InScope    bool   `json:"inScope"` // counted in summaries and reminders

	Admin Admin `json:"admin"`

	Branches         int `json:"branches"`         // 党支部数
	BranchesCovered  int `json:"branchesCovered"`  // 已覆盖党支部数
	Members          int `json:"members"`          // 党员数
	MembersActivated int `json:"membersActivated"` // 已激活党员数

	// Progress is keyed by milestone id.
	Progress map[string]Progress `json:"progress,omitempty"`

	UpdatedAt time.Time `json:"updatedAt"`
	UpdatedBy Actor     `json:"updatedBy"`
}

// Progress is one org's state on one milestone.
type Progress struct {
	Done bool      `json:"done"`
	At   time.Time `json:"at"` // when it was marked done (or undone)
	By   Actor     `json:"by"`
	Note string    `json:"note,omitempty"`
}

// Milestone is a 工作节点 of the notice.
type Milestone struct {
	ID    string    `json:"id"`    // install, certify, ...
	Title string    `json:"title"` // e.g. 完成上下级认证
	Short string    `json:"short"` // one word users type: 认证, 安装
	Text  string    `json:"text"`  // the notice's own wording
	Due   time.Time `json:"due"`   // in Asia/Shanghai
	Level int       `json:"level"` // applies to in-scope orgs of this level
	Order int       `json:"order"`
}

// Done reports whether o has finished milestone id.
func (o Org) Done(id string) bool { return o.Progress[id].Done }

// Applies reports whether milestone m is tracked for o.
func (m Milestone) Applies(o Org) bool { return o.InScope && o.Level == m.Level }

// Clone returns a deep copy, so a caller may change it freely.
func (o Org) Clone() Org {
	o.Aliases = slices.Clone(o.Aliases)
	if o.Progress != nil {
		p := make(map[string]Progress, len(o.Progress))
		for k, v := range o.Progress {
			p[k] = v
		}
		o.Progress = p
	}
	return o
}

// Actor is who did something: a DingTalk staffId and nick, or the system.
type Actor struct {
	ID   string `json:"id,omitempty"`
	Nick string `json:"nick,omitempty"`
}

// System is the actor for changes xuexibot makes itself (seeding).
var System = Actor{ID: "system", Nick: "xuexibot"}

// String renders an actor for people: the nick, else the id.
func (a Actor) String() string {
	switch {
	case a.Nick != "" && a.ID != "":
		return a.Nick + "（" + a.ID + "）"
	case a.Nick != "":
		return a.Nick
	case a.ID != "":
		return a.ID
	}
	return "未知"
}

// Change is one audit record. Changes are append-only.
type Change struct {
	ID      string        `json:"id"` // assigned by the backend; later changes sort after earlier ones
	At      time.Time     `json:"at"`
	Actor   Actor         `json:"actor"`
	Command string        `json:"command"`         // the command text as typed
	OrgID   string        `json:"orgId,omitempty"` // "" for changes not about one org (a deadline)
	OrgName string        `json:"orgName,omitempty"`
	Fields  []FieldChange `json:"fields,omitempty"`
	Refused bool          `json:"refused,omitempty"`
	Reason  string        `json:"reason,omitempty"` // why it was refused
}

// FieldChange is one field's before -> after in a Change.
type FieldChange struct {
	Field  string `json:"field"` // the Chinese header, e.g. 党员数
	Before string `json:"before"`
	After  string `json:"after"`
}

// Meta says who makes a change and with what command.
type Meta struct {
	Actor   Actor
	Command string
	At      time.Time // zero: the backend's clock
}
