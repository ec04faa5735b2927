package sheet

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXEditedInExcel writes an export, edits it the way a person in
// Excel would (numbers typed as numbers, a mobile typed as a number, a gap
// row), and reads it back.
func TestXLSXEditedInExcel(t *testing.T) {
	orgs, ms := fixture()
	var buf bytes.Buffer
	if err := Encode("学校.xlsx", &buf, orgs, ms); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{sheetName}) {
		t.Fatalf("sheets = %v", got)
	}
	head, err := f.GetRows(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	if len(head) != 5 || head[0][1] != "学校名称" || head[1][1] != "湘潭大学" || head[1][14] != "5000" || head[1][17] != "已完成（2019-03-07）" {
		t.Fatalf("exported rows = %q", head)
	}
	if typ, _ := f.GetCellType(sheetName, "O2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("党员数 cell type = %v, want a number", typ)
	}
	// 湖南警察学院 is row 4: 党员数 (O) 1234 as a number, mobile (L) as a number.
	must(t, f.SetCellInt(sheetName, "O4", 1234))
	must(t, f.SetCellInt(sheetName, "P4", 1000))
	must(t, f.SetCellInt(sheetName, "L4", 13912345678))
	must(t, f.SetCellStr(sheetName, "R4", "已完成"))
	var edited bytes.Buffer
	must(t, f.Write(&edited))

	got, err := Decode("学校.xlsx", bytes.NewReader(edited.Bytes()), ms, orgs, now, admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d changed orgs, want 1", len(got))
	}
	p := got[0]
	if p.Name != "湖南警察学院" || p.Members != 1234 || p.MembersActivated != 1000 || p.Admin.Mobile != "13912345678" || !p.Done("certify") || p.Done("install") {
		t.Errorf("edited row = %+v", p)
	}

	// A bad cell below a gap is reported with the row number Excel shows.
	must(t, f.RemoveRow(sheetName, 5))
	must(t, f.SetSheetRow(sheetName, "A7", &[]any{"4143012048", "长沙民政职业技术学院", "", "中专"}))
	edited.Reset()
	must(t, f.Write(&edited))
	_, err = Decode("学校.xlsx", bytes.NewReader(edited.Bytes()), ms, orgs, now, admin)
	// The short row also leaves 纳入统计 blank, which must be 是 or 否.
	if got := lines(t, err); !slices.Equal(got, []int{7, 7}) ||
		!strings.Contains(err.Error(), "第7行：「长沙民政职业技术学院」类别「中专」不对") ||
		!strings.Contains(err.Error(), "第7行：「长沙民政职业技术学院」纳入统计「」不对") {
		t.Errorf("lines %v, err %v; want line 7 with its category and scope", got, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
