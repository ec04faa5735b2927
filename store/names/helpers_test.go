package names

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// seedDir holds the CSV files store.DefaultSeed compiles in.
const seedDir = "../seeddata"

// readCSV reads a CSV file with a header into maps by column.
func readCSV(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(seedDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: no rows", name)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for j, h := range recs[0] {
			m[h] = rec[j]
		}
		out = append(out, m)
	}
	return out
}

var renamed = regexp.MustCompile(`更名([^;；,，\s]+)`)

// hunan returns the 124 universities as store.DefaultSeed gives them to
// New: the MOE code as id, a later official name from the note as alias.
func hunan(t testing.TB) []Entry {
	t.Helper()
	var es []Entry
	for i, r := range readCSV(t, "hunan-universities.csv") {
		e := Entry{ID: r["moe_code"], Name: r["name"], Level: 3, Order: 100 + i}
		for _, m := range renamed.FindAllStringSubmatch(r["note"], -1) {
			e.Aliases = append(e.Aliases, m[1])
		}
		es = append(es, e)
	}
	return es
}

// departments and branches turn the 124 universities into a synthetic
// country-sized index: every university's departments' party branches.
var departments = []string{"党委", "计算机学院", "马克思主义学院", "机关", "文学院", "数学与统计学院", "外国语学院", "经济与管理学院", "法学院", "医学院"}

// synthetic returns n entries, deterministically: the universities first,
// then "<university><department>第<k>党支部" until n.
func synthetic(t testing.TB, n int) []Entry {
	t.Helper()
	unis := hunan(t)
	es := make([]Entry, 0, n)
	es = append(es, unis[:min(n, len(unis))]...)
	for k := 1; len(es) < n; k++ {
		for _, d := range departments {
			for _, u := range unis {
				if len(es) == n {
					return es
				}
				es = append(es, Entry{
					ID:    fmt.Sprintf("%s-%s-%d", u.ID, d, k),
					Name:  fmt.Sprintf("%s%s第%d党支部", u.Name, d, k),
					Level: 5,
					Order: len(es),
				})
			}
		}
	}
	return es
}
