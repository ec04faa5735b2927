package sheet

import (
	"fmt"
	"strings"

	"xuexibot/store"
)

// RowError is one problem with one row of an imported file.
type RowError struct {
	Line   int    // the row number a spreadsheet shows; the header is row 1
	Reason string // in Chinese, naming the school and column where it can
}

func (e RowError) Error() string { return fmt.Sprintf("第%d行：%s", e.Line, e.Reason) }

// Errors is every problem Decode found, by line. When Decode returns
// Errors, nothing is to be written.
type Errors []RowError

// Error lists every problem, one line each.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, r := range e {
		lines[i] = r.Error()
	}
	return strings.Join(lines, "\n")
}

// As lets store.ErrorCode and store.ErrorMessage treat Errors as the
// person's mistake (store.EInvalid) and show every line.
func (e Errors) As(target any) bool {
	if p, ok := target.(**store.Error); ok {
		*p = &store.Error{Code: store.EInvalid, Message: e.Error()}
		return true
	}
	return false
}
