package sheet

import (
	"cmp"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"xuexibot/store"
	"xuexibot/store/names"
)

// idRe is what a new university's 学校标识码 may look like: the MOE's
// ten digits, or a short code of letters, digits, - and _.
var idRe = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{0,39}$`)

// Decode reads a spreadsheet and returns the universities it changes or
// adds, ready for Registry.Put: each a whole Org, an existing one updated
// by the columns the file has. Rows that change nothing are left out, so
// a file exported and read back yields none.
//
// The format follows filename's extension. existing is the registry's
// content (all levels), milestones its milestones; now and actor stamp
// what changes. Every row is checked before Decode returns: if any is bad
// the error is Errors, listing them all, and no org is returned. Other
// errors (an unsupported extension, a malformed or unreadable file) show
// as a *store.Error with Code store.EInvalid through errors.As.
func Decode(filename string, r io.Reader, milestones []store.Milestone, existing []store.Org, now time.Time, actor store.Actor) ([]store.Org, error) {
	format, err := FormatOf(filename)
	if err != nil {
		return nil, err
	}
	rows, err := readTable(filename, format, r)
	if err != nil {
		return nil, err
	}
	d := newDecoder(milestones, existing, now, actor)
	return d.decode(rows)
}

type decoder struct {
	cols   []column
	byID   map[string]store.Org
	byName map[string][]string // normalised name or alias -> university ids
	parent string              // where a new university hangs
	order  int                 // the next new university's Order
	now    time.Time
	actor  store.Actor
	errs   Errors
}

func newDecoder(milestones []store.Milestone, existing []store.Org, now time.Time, actor store.Actor) *decoder {
	d := &decoder{
		cols:   columns(milestones),
		byID:   make(map[string]store.Org, len(existing)),
		byName: make(map[string][]string, 2*len(existing)),
		parent: store.IDCommittee,
		now:    now,
		actor:  actor,
	}
	parentSet := false
	for _, o := range existing {
		d.byID[o.ID] = o
		d.order = max(d.order, o.Order+1)
		if o.Level != store.LevelUniversity {
			continue
		}
		if !parentSet && o.Parent != "" {
			d.parent, parentSet = o.Parent, true
		}
		for _, n := range namesOf(o) {
			d.byName[n] = appendNew(d.byName[n], o.ID)
		}
	}
	return d
}

// namesOf returns o's normalised name and aliases.
func namesOf(o store.Org) []string {
	out := []string{names.Normalize(o.Name)}
	for _, a := range o.Aliases {
		out = appendNew(out, names.Normalize(a))
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func (d *decoder) fail(line int, format string, args ...any) {
	d.errs = append(d.errs, RowError{Line: line, Reason: fmt.Sprintf(format, args...)})
}

// result is one decoded row.
type result struct {
	line    int
	org     store.Org
	renamed bool // name or aliases differ from the registry's (or the org is new)
	changed bool
	// keptOld is the registry's name when the row renamed the university
	// and Decode added it to the aliases; checkNames takes it back if
	// another university now answers to it.
	keptOld string
}

// firstRow is what a later row naming the same university is told.
type firstRow struct {
	line  int
	id    string // the row's 学校标识码 cell
	label string // the name the row gives, else the registry's, else id
}

func (d *decoder) decode(rows [][]string) ([]store.Org, error) {
	if len(rows) == 0 {
		return nil, Errors{{Line: 1, Reason: "文件是空的，第1行应为表头"}}
	}
	pos := d.header(rows)
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	var results []result
	seen := map[string]firstRow{} // org id -> the first row naming it
	for i := 1; i < len(rows); i++ {
		if res, ok := d.row(i+1, rows[i], pos, seen); ok {
			results = append(results, res)
		}
	}
	d.checkNames(results)
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b RowError) int { return cmp.Compare(a.Line, b.Line) })
		return nil, d.errs
	}
	var out []store.Org
	for _, r := range results {
		if r.changed {
			out = append(out, r.org)
		}
	}
	return out, nil
}

// header maps each known column to its position in the file, -1 when absent.
func (d *decoder) header(rows [][]string) []int {
	pos := make([]int, len(d.cols))
	for i := range pos {
		pos[i] = -1
	}
	byHeader := map[string]int{}
	for i, c := range d.cols {
		byHeader[c.header] = i
	}
	for j, h := range rows[0] {
		h = strings.TrimPrefix(h, "\ufeff")
		if h == "" {
			if columnUsed(rows, j) {
				d.fail(1, "第%d列有内容但没有表头", j+1)
			}
			continue
		}
		i, ok := byHeader[h]
		switch {
		case !ok:
			d.fail(1, "不认识的列「%s」，请用导出文件的表头", h)
		case pos[i] >= 0:
			d.fail(1, "列「%s」出现了两次", h)
		default:
			pos[i] = j
		}
	}
	if pos[d.colIndex(store.FieldName)] < 0 {
		d.fail(1, "缺少必需的列「%s」", store.FieldName)
	}
	return pos
}

func columnUsed(rows [][]string, j int) bool {
	for _, r := range rows[1:] {
		if j < len(r) && r[j] != "" {
			return true
		}
	}
	return false
}

func (d *decoder) colIndex(header string) int {
	return slices.IndexFunc(d.cols, func(c column) bool { return c.header == header })
}

// row decodes one data row; ok is false for a blank or unusable row.
func (d *decoder) row(line int, cells []string, pos []int, seen map[string]firstRow) (result, bool) {
	get := func(i int) (string, bool) {
		if i < 0 || pos[i] < 0 {
			return "", false
		}
		if pos[i] < len(cells) {
			return cells[pos[i]], true
		}
		return "", true
	}
	if !slices.ContainsFunc(cells, func(c string) bool { return c != "" }) {
		return result{}, false // Excel keeps blank rows after the data
	}
	idCol := d.colIndex(FieldID)
	id, hasIDCol := get(idCol)
	name, _ := get(d.colIndex(store.FieldName))

	var before store.Org
	isNew, byName := false, false
	switch {
	case id != "":
		o, ok := d.byID[id]
		switch {
		case ok && o.Level != store.LevelUniversity:
			d.fail(line, "学校标识码「%s」是「%s」，不是学校", id, o.Name)
			return result{}, false
		case ok:
			before = o
		case !idRe.MatchString(id):
			d.fail(line, "学校标识码「%s」不对，只能由字母、数字、-、_组成", id)
			return result{}, false
		default:
			isNew = true
		}
	case name == "":
		d.fail(line, "学校名称为空")
		return result{}, false
	default:
		ids := d.byName[names.Normalize(name)]
		switch len(ids) {
		case 0:
			hint := ""
			if hasIDCol {
				hint = "；如是新学校，请填写学校标识码"
			}
			d.fail(line, "找不到学校「%s」%s", name, hint)
			return result{}, false
		case 1:
			before, byName = d.byID[ids[0]], true
		default:
			d.fail(line, "「%s」对应多所学校（%s），请填写学校标识码", name, d.nameList(ids))
			return result{}, false
		}
	}
	key := id
	if !isNew {
		key = before.ID
	}
	label := cmp.Or(name, before.Name, id)
	if first, dup := seen[key]; dup {
		d.fail(line, "%s", duplicate(first, id, label))
		return result{}, false
	}
	seen[key] = firstRow{line: line, id: id, label: label}

	o := before.Clone()
	if isNew {
		o = store.Org{ID: id, MOECode: id, Level: store.LevelUniversity, Parent: d.parent, Order: d.order, InScope: true}
		d.order++
		if c, _ := get(d.colIndex(store.FieldCategory)); c == "" {
			d.fail(line, "新学校「%s」须填写类别（本科、高专或高职）", label)
		}
	}
	rc := &row{before: before, isNew: isNew, now: d.now, actor: d.actor}
	bad := false
	for i, c := range d.cols {
		v, ok := get(i)
		if !ok || c.set == nil {
			continue
		}
		if isNew && c.header == store.FieldCategory && v == "" {
			continue // reported above
		}
		if byName && c.header == store.FieldName {
			continue // it named the school, perhaps by an alias; renaming needs 学校标识码
		}
		if reason := c.set(&o, v, rc); reason != "" {
			d.fail(line, "「%s」%s", label, reason)
			bad = true
		}
	}
	if !bad {
		if o.BranchesCovered > o.Branches {
			d.fail(line, "「%s」已覆盖党支部数（%d）大于党支部数（%d）", label, o.BranchesCovered, o.Branches)
		}
		if o.MembersActivated > o.Members {
			d.fail(line, "「%s」已激活党员数（%d）大于党员数（%d）", label, o.MembersActivated, o.Members)
		}
	}
	var keptOld string
	if !isNew && names.Normalize(o.Name) != names.Normalize(before.Name) {
		o.Aliases, keptOld = keepOldName(o.Aliases, o.Name, before.Name)
	}
	res := result{line: line, org: o, changed: isNew || !sameOrg(before, o), keptOld: keptOld}
	res.renamed = isNew || !slices.Equal(namesOf(before), namesOf(o))
	if res.changed {
		res.org.UpdatedAt, res.org.UpdatedBy = d.now, d.actor
	}
	return res, true
}

// duplicate explains a row naming the university an earlier row named,
// by that row's name, so the person finds the row they clash with; and by
// this row's too when it differs, since then one of the two is a typo.
func duplicate(first firstRow, id, label string) string {
	msg := fmt.Sprintf("与第%d行是同一所学校「%s」", first.line, first.label)
	if names.Normalize(label) == names.Normalize(first.label) {
		return msg
	}
	switch {
	case id != "" && id == first.id:
		msg += fmt.Sprintf("（学校标识码都是%s）", id)
	case id != "":
		msg += fmt.Sprintf("（学校标识码%s）", id)
	}
	return msg + fmt.Sprintf("，本行写作「%s」", label)
}

// keepOldName returns the aliases of a university renamed from old to name:
// those given, less any that is now the name, plus old, so people who type
// the old name still find it. Old is added even when the file has an 别名
// column without it: a rename is rarely meant to forget the old name, and
// a later import (no longer renaming) can drop it through 别名. kept is old
// when it was added rather than already listed.
func keepOldName(aliases []string, name, old string) (out []string, kept string) {
	n := names.Normalize(name)
	out = slices.DeleteFunc(slices.Clone(aliases), func(a string) bool { return names.Normalize(a) == n })
	if slices.ContainsFunc(out, func(a string) bool { return names.Normalize(a) == names.Normalize(old) }) {
		return out, ""
	}
	return append(out, old), old
}

func (d *decoder) nameList(ids []string) string {
	ns := make([]string, len(ids))
	for i, id := range ids {
		ns[i] = d.byID[id].Name
	}
	return strings.Join(ns, "、")
}

// checkNames refuses a new or changed name or alias that another
// university already answers to, since a lookup could no longer tell them
// apart.
func (d *decoder) checkNames(results []result) {
	final := map[string]store.Org{}
	for id, o := range d.byID {
		if o.Level == store.LevelUniversity {
			final[id] = o
		}
	}
	for _, r := range results {
		final[r.org.ID] = r.org
	}
	kept := map[string]string{} // org id -> normalised old name checkNames may take back
	for _, r := range results {
		if r.keptOld != "" {
			kept[r.org.ID] = names.Normalize(r.keptOld)
		}
	}
	owners := map[string][]string{}
	for id, o := range final {
		for _, n := range namesOf(o) {
			if k, ok := kept[id]; !ok || n != k {
				owners[n] = append(owners[n], id)
			}
		}
	}
	// An old name kept on a rename yields to a university that now answers
	// to it (a new school took the name, or another was renamed to it):
	// the file says so explicitly, the kept alias is only a convenience.
	for i := range results {
		r := &results[i]
		k, ok := kept[r.org.ID]
		if !ok {
			continue
		}
		if len(owners[k]) > 0 {
			r.org.Aliases = slices.DeleteFunc(r.org.Aliases, func(a string) bool { return names.Normalize(a) == k })
			final[r.org.ID] = r.org
			continue
		}
		owners[k] = append(owners[k], r.org.ID)
	}
	for _, r := range results {
		if !r.renamed {
			continue
		}
		for _, n := range namesOf(r.org) {
			for _, other := range owners[n] {
				if other != r.org.ID {
					d.fail(r.line, "名称「%s」与学校「%s」（%s）重复", n, final[other].Name, other)
				}
			}
		}
	}
}

// sameOrg reports whether b holds nothing a reader could tell from a.
func sameOrg(a, b store.Org) bool {
	norm := func(o store.Org) store.Org {
		if len(o.Aliases) == 0 {
			o.Aliases = nil
		}
		if len(o.Progress) == 0 {
			o.Progress = nil
		}
		return o
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
