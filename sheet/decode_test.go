package sheet

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"xuexibot/store"
)

var (
	notice = time.Date(2019, 3, 7, 0, 0, 0, 0, store.Shanghai())
	now    = time.Date(2019, 3, 9, 15, 4, 5, 0, store.Shanghai())
	admin  = store.Actor{ID: "staff42", Nick: "李老师"}
)

// fixture is a small registry in the seed's shape: the two upper nodes and
// four universities, two finished, one pending, one half done.
func fixture() ([]store.Org, []store.Milestone) {
	ms := []store.Milestone{
		{ID: store.MilestoneCertify, Title: "完成上下级认证", Short: "认证", Order: 2, Level: store.LevelUniversity},
		{ID: store.MilestoneInstall, Title: "全部下载安装", Short: "安装", Order: 1, Level: store.LevelUniversity},
	}
	done := store.Progress{Done: true, At: notice, By: store.System, Note: "截至2019-03-07已完成（据通知）"}
	both := func() map[string]store.Progress {
		return map[string]store.Progress{store.MilestoneInstall: done, store.MilestoneCertify: done}
	}
	uni := func(id, name string, order int, cat store.Category) store.Org {
		return store.Org{ID: id, Name: name, Level: store.LevelUniversity, Parent: store.IDCommittee, Order: order,
			Category: cat, City: "长沙市", Ownership: "公办", MOECode: id, Supervisor: "湖南省", InScope: true,
			UpdatedAt: notice, UpdatedBy: store.System}
	}
	xtu := uni("4143010530", "湘潭大学", 100, store.Undergraduate)
	xtu.City = "湘潭市"
	xtu.Progress = both()
	xtu.Admin = store.Admin{Name: "王芳", UserID: "manager001", Mobile: "13800000001"}
	xtu.Branches, xtu.BranchesCovered, xtu.Members, xtu.MembersActivated = 120, 100, 5000, 4321
	shang := uni("4143011532", "湖南商学院", 101, store.Undergraduate)
	shang.Aliases = []string{"湖南工商大学"}
	shang.Note = "2019-06-10更名湖南工商大学"
	shang.Progress = both()
	police := uni("4143011534", "湖南警察学院", 102, store.Undergraduate)
	minzheng := uni("4143012048", "长沙民政职业技术学院", 103, store.Vocational)
	minzheng.Ownership, minzheng.Supervisor = "民办", "湖南省民政厅"
	minzheng.Progress = map[string]store.Progress{store.MilestoneInstall: done}
	return []store.Org{
		{ID: store.IDPropaganda, Name: "中共湖南省委宣传部", Aliases: []string{"省委宣传部"}, Level: store.LevelPropaganda, Order: 1},
		{ID: store.IDCommittee, Name: "中共湖南省委教育工作委员会", Aliases: []string{"省委教育工委"}, Level: store.LevelCommittee, Parent: store.IDPropaganda, Order: 2},
		xtu, shang, police, minzheng,
	}, ms
}

func decodeCSV(t *testing.T, text string) ([]store.Org, error) {
	t.Helper()
	orgs, ms := fixture()
	return Decode("学校.csv", strings.NewReader(text), ms, orgs, now, admin)
}

func byID(orgs []store.Org) map[string]store.Org {
	m := map[string]store.Org{}
	for _, o := range orgs {
		m[o.ID] = o
	}
	return m
}

// lines returns the line numbers of the Errors in err, failing if err is not Errors.
func lines(t *testing.T, err error) []int {
	t.Helper()
	var rows Errors
	if !errors.As(err, &rows) {
		t.Fatalf("err = %v (%T), want Errors", err, err)
	}
	var out []int
	for _, r := range rows {
		out = append(out, r.Line)
	}
	return out
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	orgs, ms := fixture()
	for _, name := range []string{"学校.csv", "学校.xlsx", "EXPORT.XLSX"} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(name, &buf, orgs, ms); err != nil {
				t.Fatal(err)
			}
			got, err := Decode(name, bytes.NewReader(buf.Bytes()), ms, orgs, now, admin)
			if err != nil {
				t.Fatalf("decode own export: %v", err)
			}
			if len(got) != 0 {
				t.Errorf("decoding an export changes %d orgs, want 0: %+v", len(got), got)
			}
		})
	}
}

func TestEncodeCSV(t *testing.T) {
	orgs, ms := fixture()
	var a, b bytes.Buffer
	if err := Encode("a.csv", &a, orgs, ms); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(orgs) // order comes from Org.Order, not the slice
	if err := Encode("a.csv", &b, orgs, ms); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two exports of the same orgs differ")
	}
	if !bytes.HasPrefix(a.Bytes(), bom) {
		t.Error("CSV export has no UTF-8 byte-order mark")
	}
	recs := strings.Split(strings.TrimPrefix(a.String(), string(bom)), "\r\n")
	wantHead := "学校标识码,学校名称,别名,类别,所在地,办学性质,主管部门,纳入统计,备注,学习管理员,管理员钉钉ID,管理员手机,党支部数,已覆盖党支部数,党员数,已激活党员数,全部下载安装,完成上下级认证"
	if recs[0] != wantHead {
		t.Errorf("header\n got %s\nwant %s", recs[0], wantHead)
	}
	wantRows := []string{
		"4143010530,湘潭大学,,本科,湘潭市,公办,湖南省,是,,王芳,manager001,13800000001,120,100,5000,4321,已完成（2019-03-07）,已完成（2019-03-07）",
		"4143011532,湖南商学院,湖南工商大学,本科,长沙市,公办,湖南省,是,2019-06-10更名湖南工商大学,,,,0,0,0,0,已完成（2019-03-07）,已完成（2019-03-07）",
		"4143011534,湖南警察学院,,本科,长沙市,公办,湖南省,是,,,,,0,0,0,0,未完成,未完成",
		"4143012048,长沙民政职业技术学院,,高职,长沙市,民办,湖南省民政厅,是,,,,,0,0,0,0,已完成（2019-03-07）,未完成",
		"",
	}
	if !slices.Equal(recs[1:], wantRows) {
		t.Errorf("rows\n got %q\nwant %q", recs[1:], wantRows)
	}
}

func TestDecodeReportsEveryBadRow(t *testing.T) {
	text := "学校名称,学校标识码,类别,管理员手机,党支部数,已覆盖党支部数,党员数,已激活党员数,完成上下级认证\n" +
		"湖南不存在学院,,本科,,1,1,1,1,未完成\n" + // 2 unknown school
		"湘潭大学,,本科,13900000000,10,5,100,50,已完成\n" + // 3 good
		"湘潭大学,,本科,,10,5,100,50,已完成\n" + // 4 same school again
		"湖南警察学院,,大专,,1,1,1,1,未完成\n" + // 5 bad category
		"湖南商学院,,本科,,-3,0,1,1,未完成\n" + // 6 negative
		"长沙民政职业技术学院,,高职,,2,3,1,1,未完成\n" + // 7 covered > branches
		",4143012048,高职,1380000000,1,1,1,1,未完成\n" + // 8 short mobile (the same school by id: line 7 was it by name → also a duplicate)
		",,,,,,,,\n" + // 9 blank: skipped
		"湖南工商大学,,本科,,1,1,1,1,做完了\n" + // 10 bad milestone; alias of 湖南商学院, a duplicate of line 6 too
		"湘潭大学,,本科,,10,5,1.5,1,未完成\n" + // 11 duplicate
		",9999999999,,,0,0,0,0,未完成\n" + // 12 new school without category
		",,,,1,1,1,1,未完成\n" // 13 no name
	orgs, err := decodeCSV(t, text)
	if orgs != nil {
		t.Errorf("bad file returned %d orgs to write", len(orgs))
	}
	got := lines(t, err)
	want := []int{2, 4, 5, 6, 7, 8, 10, 11, 12, 13}
	if !slices.Equal(slices.Compact(got), want) {
		t.Errorf("bad lines = %v, want %v\n%v", got, want, err)
	}
	msg := err.Error()
	for _, s := range []string{
		"第2行：找不到学校「湖南不存在学院」",
		"第4行：与第3行是同一所学校「湘潭大学」",
		"第5行：「湖南警察学院」类别「大专」不对",
		"第6行：「湖南商学院」党支部数「-3」不是非负整数",
		"第7行：「长沙民政职业技术学院」已覆盖党支部数（3）大于党支部数（2）",
		"第8行：与第7行是同一所学校",
		"第10行：与第6行是同一所学校「湖南商学院」，本行写作「湖南工商大学」",
		"第11行：与第3行是同一所学校",
		"第12行：新学校「9999999999」须填写类别",
		"第13行：学校名称为空",
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("error lacks %q:\n%s", s, msg)
		}
	}
	if store.ErrorCode(err) != store.EInvalid || store.ErrorMessage(err) != msg {
		t.Errorf("ErrorCode = %q, ErrorMessage = %q; want invalid and every line", store.ErrorCode(err), store.ErrorMessage(err))
	}
}

func TestDecodeReportsEveryBadCell(t *testing.T) {
	// One row per school, each with its own mistakes, so duplicates do not hide them.
	text := "学校名称,管理员手机,党员数,已激活党员数,完成上下级认证,全部下载安装,纳入统计,办学性质\n" +
		"湘潭大学,12345678901,100,50,已完成,已完成,是,公办\n" + // 2 mobile must start 1[3-9]
		"湖南商学院,,1.5,1,已完成,已完成,是,公办\n" + // 3 non-integer
		"湖南警察学院,,10,11,未完成,未完成,是,公办\n" + // 4 activated > members
		"长沙民政职业技术学院,,0,0,已完成（2019-02-30）,未完成（2019-03-01）,也许,国营\n" // 5 four bad cells
	_, err := decodeCSV(t, text)
	got := lines(t, err)
	if want := []int{2, 3, 4, 5, 5, 5, 5}; !slices.Equal(got, want) {
		t.Errorf("bad lines = %v, want %v\n%v", got, want, err)
	}
	for _, s := range []string{
		"第2行：「湘潭大学」管理员手机「12345678901」不是11位手机号",
		"第3行：「湖南商学院」党员数「1.5」不是非负整数",
		"第4行：「湖南警察学院」已激活党员数（11）大于党员数（10）",
		"第5行：「长沙民政职业技术学院」完成上下级认证「已完成（2019-02-30）」的日期不存在",
		"第5行：「长沙民政职业技术学院」全部下载安装「未完成（2019-03-01）」不对",
		"第5行：「长沙民政职业技术学院」纳入统计「也许」不对",
		"第5行：「长沙民政职业技术学院」办学性质「国营」不对",
	} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
}

func TestDecodeHeaderProblems(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"no name column", "学校标识码,党员数\n4143010530,5\n", "第1行：缺少必需的列「学校名称」"},
		{"misspelt column", "学校名称,党员人数\n湘潭大学,5\n", "第1行：不认识的列「党员人数」"},
		{"twice", "学校名称,党员数,党员数\n湘潭大学,5,6\n", "第1行：列「党员数」出现了两次"},
		{"unnamed column with data", "学校名称,\n湘潭大学,5\n", "第1行：第2列有内容但没有表头"},
		{"empty file", "", "第1行：文件是空的"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orgs, err := decodeCSV(t, tc.text)
			if orgs != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %d orgs, err %v; want error %q", len(orgs), err, tc.want)
			}
			lines(t, err)
		})
	}
}

func TestDecodeAppliesOnlyPresentColumns(t *testing.T) {
	text := "党员数,学校名称,已激活党员数,完成上下级认证,全部下载安装\n" +
		"6000,湘潭大学,4321,已完成（2019-03-07）,已完成\n" + // members only; progress unchanged
		"800,湖南警察学院,20,已完成,已完成（2019/3/8）\n" + // certify now, install on a given day
		"0,湖南工商大学,0,未完成,已完成\n" + // by alias; certify undone
		"0,长沙民政职业技术学院,0,未完成,已完成\n" + // unchanged: left out
		"\n,,,,\n" // trailing blank rows
	orgs, err := decodeCSV(t, text)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := fixture()
	old := byID(before)
	got := byID(orgs)
	if len(orgs) != 3 {
		t.Fatalf("got %d changed orgs, want 3: %v", len(orgs), orgs)
	}

	xtu := got["4143010530"]
	want := old["4143010530"].Clone()
	want.Members = 6000
	want.UpdatedAt, want.UpdatedBy = now, admin
	if !reflect.DeepEqual(xtu, want) {
		t.Errorf("湘潭大学\n got %+v\nwant %+v", xtu, want)
	}

	police := got["4143011534"]
	if p := police.Progress[store.MilestoneCertify]; !p.Done || !p.At.Equal(now) || p.By != admin {
		t.Errorf("警察学院 certify = %+v, want done now by %v", p, admin)
	}
	if p := police.Progress[store.MilestoneInstall]; !p.Done || !p.At.Equal(time.Date(2019, 3, 8, 0, 0, 0, 0, store.Shanghai())) || p.By != admin {
		t.Errorf("警察学院 install = %+v, want done 2019-03-08 by %v", p, admin)
	}
	if police.Members != 800 || police.MembersActivated != 20 || police.Name != "湖南警察学院" || police.Category != store.Undergraduate {
		t.Errorf("警察学院 = %+v", police)
	}

	shang := got["4143011532"]
	if p := shang.Progress[store.MilestoneCertify]; p.Done || !p.At.Equal(now) || p.By != admin {
		t.Errorf("商学院 certify = %+v, want undone now by %v", p, admin)
	}
	if p, o := shang.Progress[store.MilestoneInstall], old["4143011532"].Progress[store.MilestoneInstall]; p != o {
		t.Errorf("商学院 install = %+v, want unchanged %+v", p, o)
	}
	if shang.Name != "湖南商学院" || !slices.Equal(shang.Aliases, []string{"湖南工商大学"}) {
		t.Errorf("matching by alias renamed the school: %+v", shang)
	}
}

func TestDecodeNewUniversityAndRename(t *testing.T) {
	text := "学校标识码,学校名称,别名,类别,纳入统计,管理员手机,党支部数\n" +
		"4143014999,湖南新设职业学院,新设学院、新设职院,高等职业学院,否,138-0000-0002,3\n" +
		"4143011532,湖南工商大学,湖南商学院,本科,是,,0\n"
	orgs, err := decodeCSV(t, text)
	if err != nil {
		t.Fatal(err)
	}
	got := byID(orgs)
	n := got["4143014999"]
	want := store.Org{ID: "4143014999", MOECode: "4143014999", Name: "湖南新设职业学院", Aliases: []string{"新设学院", "新设职院"},
		Level: store.LevelUniversity, Parent: store.IDCommittee, Order: 104, Category: store.Vocational, InScope: false,
		Admin: store.Admin{Mobile: "13800000002"}, Branches: 3, UpdatedAt: now, UpdatedBy: admin}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("new school\n got %+v\nwant %+v", n, want)
	}
	r := got["4143011532"]
	if r.Name != "湖南工商大学" || !slices.Equal(r.Aliases, []string{"湖南商学院"}) || r.Order != 101 {
		t.Errorf("rename = %+v", r)
	}
}

func TestDecodeRefusesNameClash(t *testing.T) {
	text := "学校标识码,学校名称,类别\n" +
		"4143014999,湘潭大学,本科\n" + // a new school named like an old one
		"4143011534,湖南警察学院,本科\n" +
		"hn-jygw,教育工委,本科\n" // not a university
	_, err := decodeCSV(t, text)
	if got := lines(t, err); !slices.Equal(got, []int{2, 4}) {
		t.Fatalf("bad lines = %v, want [2 4]\n%v", got, err)
	}
	for _, s := range []string{"第2行：名称「湘潭大学」与学校「湘潭大学」（4143010530）重复", "第4行：学校标识码「hn-jygw」是「中共湖南省委教育工作委员会」，不是学校"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
}

func TestDecodeCSVEncodings(t *testing.T) {
	plain := "学校名称,党员数\n湘潭大学,7000\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(plain)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"utf8":      plain,
		"utf8 bom":  "\ufeff" + plain,
		"crlf":      strings.ReplaceAll(plain, "\n", "\r\n"),
		"gbk":       gbk,
		"full-wide": "学校名称,党员数\n湘潭大学　,7000\n",
	} {
		t.Run(name, func(t *testing.T) {
			orgs, err := decodeCSV(t, text)
			if err != nil {
				t.Fatal(err)
			}
			if len(orgs) != 1 || orgs[0].Name != "湘潭大学" || orgs[0].Members != 7000 {
				t.Errorf("got %+v", orgs)
			}
		})
	}
}

func TestDecodeFileProblems(t *testing.T) {
	orgs, ms := fixture()
	for _, tc := range []struct{ name, data, want string }{
		{"学校.xls", "x", "不支持的文件类型「学校.xls」"},
		{"学校.xlsx", "not a zip", "无法读取 XLSX 文件"},
		{"学校.csv", "学校名称,党员数\n\"湘潭大学,5\n", "CSV 文件第2行格式错误"},
	} {
		_, err := Decode(tc.name, strings.NewReader(tc.data), ms, orgs, now, admin)
		if store.ErrorCode(err) != store.EInvalid || !strings.Contains(store.ErrorMessage(err), tc.want) {
			t.Errorf("%s: err = %v, want invalid %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeDuplicateNamesTheEarlierRow(t *testing.T) {
	text := "学校标识码,学校名称,备注\n" +
		"4143010530,湘潭大学,一\n" + // 2
		"4143011534,湖南警察学院,二\n" + // 3
		"4143010530,长沙理工大学,三\n" + // 4: 湘潭大学's code under another name
		",湘潭大学,四\n" // 5: the same name again
	_, err := decodeCSV(t, text)
	if got := lines(t, err); !slices.Equal(got, []int{4, 5}) {
		t.Fatalf("bad lines = %v, want [4 5]\n%v", got, err)
	}
	msg := err.Error()
	for _, s := range []string{
		"第4行：与第2行是同一所学校「湘潭大学」（学校标识码都是4143010530），本行写作「长沙理工大学」",
		"第5行：与第2行是同一所学校「湘潭大学」\n",
	} {
		if !strings.Contains(msg+"\n", s) {
			t.Errorf("error lacks %q:\n%s", s, msg)
		}
	}
	if strings.Contains(msg, "同一所学校「长沙理工大学」") {
		t.Errorf("the clash names this row's school, not the earlier row's:\n%s", msg)
	}
}

func TestDecodeRenameKeepsOldName(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		id         string
		wantName   string
		wantAlias  []string
	}{
		{"no 别名 column", "学校标识码,学校名称\n4143011534,湖南警察大学\n", "4143011534", "湖南警察大学", []string{"湖南警察学院"}},
		{"别名 column lists others", "学校标识码,学校名称,别名\n4143011534,湖南警察大学,警院\n", "4143011534", "湖南警察大学", []string{"警院", "湖南警察学院"}},
		{"别名 column empty", "学校标识码,学校名称,别名\n4143011534,湖南警察大学,\n", "4143011534", "湖南警察大学", []string{"湖南警察学院"}},
		{"别名 column has the old name", "学校标识码,学校名称,别名\n4143011534,湖南警察大学,湖南警察学院、警院\n", "4143011534", "湖南警察大学", []string{"湖南警察学院", "警院"}},
		// Back to the name it answers to already: the new name is no longer an alias.
		{"rename to an alias", "学校标识码,学校名称\n4143011532,湖南工商大学\n", "4143011532", "湖南工商大学", []string{"湖南商学院"}},
		// Only spacing differs: the old spelling is not kept.
		{"same name respaced", "学校标识码,学校名称\n4143010530,湘潭 大学\n", "4143010530", "湘潭 大学", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orgs, err := decodeCSV(t, tc.text)
			if err != nil {
				t.Fatal(err)
			}
			got := byID(orgs)[tc.id]
			if got.Name != tc.wantName || !slices.Equal(got.Aliases, tc.wantAlias) {
				t.Errorf("got name %q aliases %q, want %q %q", got.Name, got.Aliases, tc.wantName, tc.wantAlias)
			}
		})
	}
}

func TestDecodeRenameGivesOldNameAway(t *testing.T) {
	// 湘潭大学 is renamed and a new school takes its old name in the same
	// file: the old name goes to the new school rather than failing the file.
	text := "学校标识码,学校名称,类别\n" +
		"4143010530,湘潭理工大学,本科\n" +
		"4143014999,湘潭大学,本科\n"
	orgs, err := decodeCSV(t, text)
	if err != nil {
		t.Fatal(err)
	}
	got := byID(orgs)
	if r := got["4143010530"]; r.Name != "湘潭理工大学" || len(r.Aliases) != 0 {
		t.Errorf("renamed = %q %q, want 湘潭理工大学 without aliases", r.Name, r.Aliases)
	}
	if n := got["4143014999"]; n.Name != "湘潭大学" {
		t.Errorf("new = %q", n.Name)
	}
}
