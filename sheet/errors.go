package sheet

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

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

// fileError is a problem with the file a person named: Code and Message
// are what store.ErrorCode and store.ErrorMessage show them, Err the
// operating system's detail for logs, still reachable by errors.Is and
// errors.As (fs.ErrNotExist, *fs.PathError).
type fileError struct {
	Code    string // store.ENotFound or store.EInvalid
	Message string // Chinese, naming the path as given
	Err     error
}

func (e *fileError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err) }

func (e *fileError) Unwrap() error { return e.Err }

// As gives store.ErrorCode and store.ErrorMessage the person's view.
func (e *fileError) As(target any) bool {
	if p, ok := target.(**store.Error); ok {
		*p = &store.Error{Code: e.Code, Message: e.Message}
		return true
	}
	return false
}

// readError explains why the file at path could not be opened or read.
func readError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &fileError{store.ENotFound, "找不到文件 " + path, err}
	}
	return &fileError{store.EInvalid, "无法读取文件 " + path + "：" + osReason(err), err}
}

// writeError explains why the export to path could not be written.
func writeError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		return &fileError{store.ENotFound, "找不到文件夹 " + dir + "，无法导出到 " + path, err}
	}
	return &fileError{store.EInvalid, "无法写入文件 " + path + "：" + osReason(err), err}
}

// errIsDir stands for reading or replacing a folder as if it were a file;
// the system's own errors for it vary with the call.
var errIsDir = errors.New("is a directory")

// osReason says in Chinese what went wrong, for the common cases; the
// system's own text otherwise.
func osReason(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, errIsDir) || errors.Is(err, syscall.EISDIR):
		return "这是一个文件夹"
	case errors.Is(err, fs.ErrPermission):
		return "没有权限"
	case errors.Is(err, syscall.ENOSPC):
		return "磁盘已满"
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return err.Error()
}
