package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"xuexibot/store"
)

// Format is a spreadsheet file type.
type Format string

// The supported formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FormatOf picks the format by the file name's extension.
func FormatOf(filename string) (Format, error) {
	ext := filepath.Ext(filename)
	switch strings.ToLower(ext) {
	case ".csv":
		return CSV, nil
	case ".xlsx":
		return XLSX, nil
	case "", ".":
		return "", store.Errorf(store.EInvalid, "文件「%s」没有扩展名，请用 .csv 或 .xlsx 文件", filepath.Base(filename))
	}
	return "", store.Errorf(store.EInvalid, "不支持的文件类型「%s」，请用 .csv 或 .xlsx 文件", filepath.Base(filename))
}

// maxFile bounds what is read into memory; a province's sheet is tens of KB.
const maxFile = 64 << 20

var bom = []byte("\xef\xbb\xbf")

// readTable reads all rows of the file's first sheet. Cells are trimmed.
func readTable(filename string, format Format, r io.Reader) ([][]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		return nil, readError(filename, err)
	}
	if len(data) > maxFile {
		return nil, store.Errorf(store.EInvalid, "文件超过 %d MB", maxFile>>20)
	}
	var rows [][]string
	switch format {
	case CSV:
		rows, err = readCSV(data)
	case XLSX:
		rows, err = readXLSX(data)
	}
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		for j := range r {
			r[j] = strings.TrimSpace(r[j])
		}
	}
	return rows, nil
}

func readCSV(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, bom)
	if !utf8.Valid(data) {
		// Excel on a Chinese Windows saves "CSV" in the ANSI code page, GBK.
		u, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, store.Errorf(store.EInvalid, "CSV 文件既不是 UTF-8 也不是 GBK 编码")
		}
		data = u
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, store.Errorf(store.EInvalid, "CSV 文件第%d行格式错误：%v", pe.StartLine, pe.Err)
		}
		return nil, store.Errorf(store.EInvalid, "CSV 文件格式错误：%v", err)
	}
	return rows, nil
}

func readXLSX(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 16 * maxFile})
	if err != nil {
		return nil, store.Errorf(store.EInvalid, "无法读取 XLSX 文件：%v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, store.Errorf(store.EInvalid, "XLSX 文件没有工作表")
	}
	// Raw values: a number reads as typed, not as its display format
	// (1,234 or 1.23E+10 for a mobile number).
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, store.Errorf(store.EInvalid, "无法读取工作表「%s」：%v", sheets[0], err)
	}
	return rows, nil
}

// sheetName is the worksheet export writes.
const sheetName = "学校"

// writeTable writes header and rows; cells are strings or ints.
func writeTable(format Format, w io.Writer, cols []column, rows [][]any) error {
	switch format {
	case CSV:
		return writeCSV(w, cols, rows)
	case XLSX:
		return writeXLSX(w, cols, rows)
	}
	return fmt.Errorf("sheet: unknown format %q", format)
}

func writeCSV(w io.Writer, cols []column, rows [][]any) error {
	if _, err := w.Write(bom); err != nil {
		return fmt.Errorf("sheet: write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes
	rec := make([]string, len(cols))
	for j, c := range cols {
		rec[j] = c.header
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("sheet: write csv: %w", err)
	}
	for _, r := range rows {
		for j, v := range r {
			switch v := v.(type) {
			case int:
				rec[j] = strconv.Itoa(v)
			default:
				rec[j] = fmt.Sprint(v)
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("sheet: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("sheet: write csv: %w", err)
	}
	return nil
}

func writeXLSX(w io.Writer, cols []column, rows [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), sheetName); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	header := make([]any, len(cols))
	for j, c := range cols {
		header[j] = c.header
	}
	if err := f.SetSheetRow(sheetName, "A1", &header); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheetName, cell, &r); err != nil {
			return fmt.Errorf("sheet: write xlsx row %d: %w", i+2, err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	if err := f.SetRowStyle(sheetName, 1, 1, bold); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	for j, c := range cols {
		name, _ := excelize.ColumnNumberToName(j + 1)
		if err := f.SetColWidth(sheetName, name, name, c.width); err != nil {
			return fmt.Errorf("sheet: write xlsx: %w", err)
		}
	}
	// Keep the header and the school names in view while scrolling.
	if err := f.SetPanes(sheetName, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	return nil
}
