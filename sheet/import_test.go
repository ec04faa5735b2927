package sheet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"xuexibot/sheet"
	"xuexibot/store"
	"xuexibot/store/bolt/bolttest"
)

var (
	ctx   = context.Background()
	admin = store.Actor{ID: "staff42", Nick: "李老师"}
	meta  = store.Meta{Actor: admin, Command: "xuexibot import", At: time.Date(2019, 3, 9, 15, 4, 5, 0, store.Shanghai())}
)

// seeded opens a bolt store in a temporary directory holding the notice's seed.
func seeded(t *testing.T) store.Backend {
	t.Helper()
	return bolttest.Seeded(t)
}

// state is everything an import could change.
type state struct {
	orgs     string // the orgs as JSON: times compare by instant and offset
	counters store.Counters
	changes  int
}

func snapshot(t *testing.T, b store.Backend) state {
	t.Helper()
	orgs, err := b.Orgs(ctx, store.Query{Index: store.IndexAll})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(orgs)
	c, err := b.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := b.Changes(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return state{orgs: string(j), counters: c, changes: len(ch)}
}

func sameState(t *testing.T, before, after state, when string) {
	t.Helper()
	if before.orgs != after.orgs {
		t.Errorf("%s: the orgs changed", when)
	}
	if !before.counters.Equal(after.counters) {
		t.Errorf("%s: counters moved by %v", when, after.counters.Sub(before.counters))
	}
	if before.changes != after.changes {
		t.Errorf("%s: %d audit records added", when, after.changes-before.changes)
	}
}

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExportImportRoundTrip(t *testing.T) {
	for _, ext := range []string{".csv", ".xlsx"} {
		t.Run(ext, func(t *testing.T) {
			b := seeded(t)
			before := snapshot(t, b)
			path := filepath.Join(t.TempDir(), "高校"+ext)
			n, err := sheet.Export(ctx, b, path)
			if err != nil || n != 124 {
				t.Fatalf("Export = %d, %v; want 124 universities", n, err)
			}
			n, err = sheet.Import(ctx, b, path, meta)
			if err != nil || n != 0 {
				t.Fatalf("Import of an export = %d, %v; want 0 changes", n, err)
			}
			sameState(t, before, snapshot(t, b), "import of an export")

			again := filepath.Join(t.TempDir(), "again"+ext)
			if _, err := sheet.Export(ctx, b, again); err != nil {
				t.Fatal(err)
			}
			if ext == ".csv" && !bytes.Equal(read(t, path), read(t, again)) {
				t.Error("two successive CSV exports differ")
			}
		})
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportGoodFile(t *testing.T) {
	b := seeded(t)
	police := resolve(t, b, "湖南警察学院")
	if police.Done(store.MilestoneCertify) {
		t.Fatal("the seed has 湖南警察学院 certified; the notice lists it as not")
	}
	countersBefore, _ := b.Counters(ctx)
	path := write(t, "更新.csv", "\ufeff学校标识码,学校名称,类别,党支部数,已覆盖党支部数,党员数,已激活党员数,管理员手机,完成上下级认证\r\n"+
		",湖南警察学院,本科,40,40,900,850,13912345678,已完成\r\n"+
		",湘潭大学,本科,0,0,0,0,,已完成（2019-03-07）\r\n"+ // unchanged
		"4143019999,湖南测试职业学院,高职,4,1,40,10,,未完成\r\n")
	n, err := sheet.Import(ctx, b, path, meta)
	if err != nil || n != 2 {
		t.Fatalf("Import = %d, %v; want 2 changed", n, err)
	}
	got := resolve(t, b, "湖南警察学院")
	if got.Members != 900 || got.MembersActivated != 850 || got.Branches != 40 || got.BranchesCovered != 40 || got.Admin.Mobile != "13912345678" {
		t.Errorf("湖南警察学院 after import = %+v", got)
	}
	if p := got.Progress[store.MilestoneCertify]; !p.Done || !p.At.Equal(meta.At) || p.By != admin {
		t.Errorf("certify = %+v; want done at %v by %v", p, meta.At, admin)
	}
	fresh := resolve(t, b, "湖南测试职业学院")
	if fresh.ID != "4143019999" || fresh.Category != store.Vocational || fresh.Level != store.LevelUniversity || !fresh.InScope || fresh.Order <= police.Order {
		t.Errorf("new university = %+v", fresh)
	}
	c, _ := b.Counters(ctx)
	d := c.Sub(countersBefore)
	if d[store.KeyDone(store.MilestoneCertify, store.Undergraduate)] != 1 || d[store.KeyOrgs(store.Vocational)] != 1 || d[store.KeyMembers(store.Undergraduate)] != 900 {
		t.Errorf("counters moved by %v", d)
	}
	h, _, err := b.History(ctx, police.ID, "", 10)
	if err != nil || len(h) != 1 || h[0].Actor != admin || h[0].Command != meta.Command {
		t.Errorf("history of 湖南警察学院 = %+v, %v; want one change by %v", h, err, admin)
	}

	// What was imported exports and imports back unchanged.
	before := snapshot(t, b)
	out := filepath.Join(t.TempDir(), "导出.xlsx")
	if n, err := sheet.Export(ctx, b, out); err != nil || n != 125 {
		t.Fatalf("Export = %d, %v; want 125", n, err)
	}
	if n, err := sheet.Import(ctx, b, out, meta); err != nil || n != 0 {
		t.Fatalf("re-import = %d, %v; want 0", n, err)
	}
	sameState(t, before, snapshot(t, b), "re-import after an import")
}

func resolve(t *testing.T, b store.Backend, name string) store.Org {
	t.Helper()
	r, err := b.Resolve(ctx, name)
	if err != nil || r.Org == nil {
		t.Fatalf("Resolve(%s) = %+v, %v", name, r, err)
	}
	return *r.Org
}

func TestImportBadFileWritesNothing(t *testing.T) {
	b := seeded(t)
	before := snapshot(t, b)
	path := write(t, "坏.csv", "学校名称,类别,党支部数,已覆盖党支部数,党员数,已激活党员数,管理员手机,完成上下级认证\n"+
		"湖南警察学院,本科,40,40,900,850,13912345678,已完成\n"+ // 2 good
		"湖南不存在大学,本科,1,1,1,1,,未完成\n"+ // 3 unknown
		"湘潭大学,本科,10,11,5,5,,未完成\n"+ // 4 covered > branches
		"吉首大学,本科,1,1,1,1,12345,未完成\n"+ // 5 mobile
		"湖南警察学院,本科,40,40,900,850,,已完成\n") // 6 duplicate of 2
	n, err := sheet.Import(ctx, b, path, meta)
	var rows sheet.Errors
	if n != 0 || !errors.As(err, &rows) {
		t.Fatalf("Import = %d, %v; want Errors", n, err)
	}
	var got []int
	for _, r := range rows {
		got = append(got, r.Line)
	}
	if !slices.Equal(got, []int{3, 4, 5, 6}) {
		t.Errorf("bad lines = %v; want [3 4 5 6]\n%v", got, err)
	}
	for _, s := range []string{"第3行：找不到学校「湖南不存在大学」", "第4行：", "第5行：", "第6行：与第2行是同一所学校"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
	sameState(t, before, snapshot(t, b), "a file with bad rows")

	// A header without 学校名称 is named and writes nothing either.
	_, err = sheet.Import(ctx, b, write(t, "表头.xlsx.csv", "学校,党员数\n湘潭大学,5\n"), meta)
	if err == nil || !strings.Contains(err.Error(), "缺少必需的列「学校名称」") {
		t.Errorf("missing header: err = %v", err)
	}
	sameState(t, before, snapshot(t, b), "a file without 学校名称")
}

func TestExportRefusesUnknownType(t *testing.T) {
	b := seeded(t)
	path := filepath.Join(t.TempDir(), "高校.xls")
	if _, err := sheet.Export(ctx, b, path); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("Export to .xls: err = %v; want invalid", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Export to .xls left a file: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 0 {
		t.Errorf("Export left %d files behind", len(ents))
	}
}

func TestImportRenameStillFindsOldName(t *testing.T) {
	b := seeded(t)
	csu := resolve(t, b, "中南大学")
	path := write(t, "更名.csv", "学校标识码,学校名称\n"+csu.ID+",中南理工大学\n")
	if n, err := sheet.Import(ctx, b, path, meta); err != nil || n != 1 {
		t.Fatalf("Import = %d, %v; want 1", n, err)
	}
	for _, name := range []string{"中南大学", "中南理工大学"} {
		if got := resolve(t, b, name); got.ID != csu.ID || got.Name != "中南理工大学" {
			t.Errorf("Resolve(%s) = %s %s; want %s 中南理工大学", name, got.ID, got.Name, csu.ID)
		}
	}
	// The kept alias is exported, so the export imports back unchanged.
	before := snapshot(t, b)
	out := filepath.Join(t.TempDir(), "导出.csv")
	if _, err := sheet.Export(ctx, b, out); err != nil {
		t.Fatal(err)
	}
	if n, err := sheet.Import(ctx, b, out, meta); err != nil || n != 0 {
		t.Fatalf("re-import = %d, %v; want 0", n, err)
	}
	sameState(t, before, snapshot(t, b), "re-import after a rename")
}

func TestImportFileErrors(t *testing.T) {
	b := seeded(t)
	before := snapshot(t, b)
	dir := t.TempDir()
	missing := filepath.Join(dir, "nonexist.csv")
	folder := filepath.Join(dir, "folder.csv")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, code, msg string
		is              error
	}{
		{missing, store.ENotFound, "找不到文件 " + missing, fs.ErrNotExist},
		{folder, store.EInvalid, "无法读取文件 " + folder + "：这是一个文件夹", nil},
		{filepath.Join(dir, "x.txt"), store.EInvalid, "不支持的文件类型「x.txt」，请用 .csv 或 .xlsx 文件", nil},
		{filepath.Join(dir, "x"), store.EInvalid, "文件「x」没有扩展名，请用 .csv 或 .xlsx 文件", nil},
	} {
		_, err := sheet.Import(ctx, b, tc.path, meta)
		if store.ErrorCode(err) != tc.code || store.ErrorMessage(err) != tc.msg {
			t.Errorf("Import(%s): code %q message %q; want %q %q", tc.path, store.ErrorCode(err), store.ErrorMessage(err), tc.code, tc.msg)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("Import(%s): %v does not wrap %v", tc.path, err, tc.is)
		}
	}
	var pe *fs.PathError
	if _, err := sheet.Import(ctx, b, missing, meta); !errors.As(err, &pe) || pe.Path != missing {
		t.Errorf("Import(missing) = %v; want the *fs.PathError for operators", err)
	}
	sameState(t, before, snapshot(t, b), "imports that could not read their file")
}

func TestExportFileErrors(t *testing.T) {
	b := seeded(t)
	dir := t.TempDir()
	nodir := filepath.Join(dir, "nodir", "x.csv")
	folder := filepath.Join(dir, "folder.xlsx")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, code, msg string
		is              error
	}{
		{filepath.Join(dir, "x.txt"), store.EInvalid, "不支持的文件类型「x.txt」，请用 .csv 或 .xlsx 文件", nil},
		{nodir, store.ENotFound, "找不到文件夹 " + filepath.Dir(nodir) + "，无法导出到 " + nodir, fs.ErrNotExist},
		{folder, store.EInvalid, "无法写入文件 " + folder + "：这是一个文件夹", nil},
	} {
		_, err := sheet.Export(ctx, b, tc.path)
		if store.ErrorCode(err) != tc.code || store.ErrorMessage(err) != tc.msg {
			t.Errorf("Export(%s): code %q message %q; want %q %q", tc.path, store.ErrorCode(err), store.ErrorMessage(err), tc.code, tc.msg)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("Export(%s): %v does not wrap %v", tc.path, err, tc.is)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("failed exports left %d entries in %s, want only the folder", len(ents), dir)
	}
}
