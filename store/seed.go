package store

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"xuexibot/store/names"
)

// The seed data is copied from shared/data into the repo and compiled in, so
// a binary seeds the same registry wherever it runs.
//
//go:embed seeddata/*.csv
var seedFiles embed.FS

// IDs of the two upper nodes of the tree.
const (
	IDPropaganda = "hn-xcb"  // 中共湖南省委宣传部, level 1
	IDCommittee  = "hn-jygw" // 中共湖南省委教育工作委员会, level 2
)

// Milestone ids of the notice.
const (
	MilestoneInstall = "install"
	MilestoneCertify = "certify"
)

// renamedRe finds a later official name in the data's note column,
// e.g. "2019-06-10更名湖南工商大学".
var renamedRe = regexp.MustCompile(`更名([^;；,，\s]+)`)

// DefaultSeed builds the registry the 2019-03-07 notice describes: the two
// upper nodes, Hunan's 124 universities, the install and certify milestones,
// and the 31 universities the notice lists as not certified, which have
// finished neither milestone. Every other university has finished both.
// Every name the notice lists must resolve to exactly one university, or
// DefaultSeed fails naming it.
func DefaultSeed() (Seed, error) {
	uni, err := seedFiles.ReadFile("seeddata/hunan-universities.csv")
	if err != nil {
		return Seed{}, fmt.Errorf("seed: %w", err)
	}
	listed, err := seedFiles.ReadFile("seeddata/notice-uncertified-2019-03-07.csv")
	if err != nil {
		return Seed{}, fmt.Errorf("seed: %w", err)
	}
	return BuildSeed(bytes.NewReader(uni), bytes.NewReader(listed))
}

// BuildSeed is DefaultSeed over any two CSV files of the same shape.
func BuildSeed(universities, uncertified io.Reader) (Seed, error) {
	loc := Shanghai()
	endOfDay := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 23, 59, 59, 0, loc)
	}
	notice := time.Date(2019, 3, 7, 0, 0, 0, 0, loc)
	s := Seed{Milestones: []Milestone{
		{
			ID: MilestoneInstall, Title: "全部下载安装", Short: "安装", Order: 1,
			Text:  "每个党支部、每个党员（含学生党支部和学生党员）全部下载安装、学习使用",
			Due:   endOfDay(2019, 3, 1),
			Level: LevelUniversity,
		},
		{
			ID: MilestoneCertify, Title: "完成上下级认证", Short: "认证", Order: 2,
			Text:  "完成学习组织架构搭建并与省委教育工委建立上下级认证关系",
			Due:   endOfDay(2019, 3, 10),
			Level: LevelUniversity,
		},
	}}
	s.Orgs = append(s.Orgs,
		Org{ID: IDPropaganda, Name: "中共湖南省委宣传部", Aliases: []string{"省委宣传部"}, Level: LevelPropaganda, Order: 1},
		Org{ID: IDCommittee, Name: "中共湖南省委教育工作委员会", Aliases: []string{"省委教育工委", "教育工委"}, Level: LevelCommittee, Parent: IDPropaganda, Order: 2},
	)

	rows, err := readCSV(universities, []string{"name", "category", "ownership", "city", "moe_code", "supervisor", "note"})
	if err != nil {
		return Seed{}, fmt.Errorf("seed: universities: %w", err)
	}
	seen := map[string]bool{}
	for i, r := range rows {
		cat := Category(r["category"])
		if !cat.Valid() {
			return Seed{}, fmt.Errorf("seed: universities line %d: unknown category %q", i+2, r["category"])
		}
		id := r["moe_code"]
		if id == "" || seen[id] {
			return Seed{}, fmt.Errorf("seed: universities line %d: missing or duplicate moe_code %q", i+2, id)
		}
		seen[id] = true
		o := Org{
			ID: id, Name: r["name"], Level: LevelUniversity, Parent: IDCommittee, Order: 100 + i,
			Category: cat, City: r["city"], Ownership: r["ownership"], MOECode: id,
			Supervisor: r["supervisor"], Note: r["note"], InScope: true,
			UpdatedAt: notice, UpdatedBy: System,
		}
		for _, m := range renamedRe.FindAllStringSubmatch(r["note"], -1) {
			o.Aliases = append(o.Aliases, m[1])
		}
		s.Orgs = append(s.Orgs, o)
	}

	entries := make([]names.Entry, 0, len(s.Orgs))
	for _, o := range s.Orgs {
		if o.Level == LevelUniversity {
			entries = append(entries, EntryOf(o))
		}
	}
	ix := names.New(entries)
	listedRows, err := readCSV(uncertified, []string{"name_as_written", "category"})
	if err != nil {
		return Seed{}, fmt.Errorf("seed: uncertified list: %w", err)
	}
	lagging := map[string]bool{}
	var problems []string
	for i, r := range listedRows {
		written := r["name_as_written"]
		m, ok := Pick(ix.Lookup(written, 5))
		if !ok {
			problems = append(problems, fmt.Sprintf("line %d %q matches %d universities", i+2, written, len(ix.Lookup(written, 5))))
			continue
		}
		if lagging[m.ID] {
			problems = append(problems, fmt.Sprintf("line %d %q names %s twice", i+2, written, m.Name))
			continue
		}
		lagging[m.ID] = true
		k := slices.IndexFunc(s.Orgs, func(o Org) bool { return o.ID == m.ID })
		o := &s.Orgs[k]
		if string(o.Category) != r["category"] {
			problems = append(problems, fmt.Sprintf("line %d %q is %s in the notice but %s in the list", i+2, written, r["category"], o.Category))
		}
		if written != o.Name && !slices.Contains(o.Aliases, written) {
			// Keep the notice's spelling, so people who copy it are understood.
			o.Aliases = append(o.Aliases, written)
		}
	}
	if len(problems) > 0 {
		return Seed{}, fmt.Errorf("seed: the notice's list does not resolve: %s", strings.Join(problems, "; "))
	}
	for i := range s.Orgs {
		o := &s.Orgs[i]
		if o.Level != LevelUniversity || lagging[o.ID] {
			continue
		}
		o.Progress = map[string]Progress{}
		for _, m := range s.Milestones {
			o.Progress[m.ID] = Progress{Done: true, At: notice, By: System, Note: "截至2019-03-07已完成（据通知）"}
		}
	}
	return s, nil
}

// readCSV reads a CSV with a header row that must hold want, as maps by column.
func readCSV(r io.Reader, want []string) ([]map[string]string, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("empty file")
	}
	head := recs[0]
	for _, w := range want {
		if !slices.Contains(head, w) {
			return nil, fmt.Errorf("missing column %q", w)
		}
	}
	out := make([]map[string]string, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		m := make(map[string]string, len(head))
		for j, h := range head {
			if j < len(rec) {
				m[h] = strings.TrimSpace(rec[j])
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// SeedChange is the one audit record a backend writes for a seed, so both
// backends word it the same.
func SeedChange(s Seed) []FieldChange {
	return []FieldChange{{Field: "初始数据", After: fmt.Sprintf("%d个组织，%d个工作节点", len(s.Orgs), len(s.Milestones))}}
}
