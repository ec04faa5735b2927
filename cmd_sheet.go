package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"xuexibot/sheet"
	"xuexibot/store"
)

// runImport: xuexibot import [-config FILE] FILE
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	configPath := fs.String("config", "", "配置文件（默认：本目录的内置存储）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "用法：xuexibot import [-config FILE] FILE.csv|FILE.xlsx")
		return errUsage
	}
	path := fs.Arg(0)
	// Refuse what needs no store before opening (and perhaps seeding) one.
	if _, err := sheet.FormatOf(path); err != nil {
		return reportFailure(stderr, "导入失败，没有写入任何数据：", err)
	}
	if _, err := os.Stat(path); err != nil {
		return reportFailure(stderr, "导入失败，没有写入任何数据：", store.Errorf(store.ENotFound, "找不到文件 %s", path))
	}
	a, err := openSheetApp(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	meta := store.Meta{Actor: operator(), Command: "xuexibot import " + path}
	n, err := sheet.Import(ctx, a.backend, path, meta)
	if err != nil {
		if store.ErrorCode(err) == store.EInternal {
			return fmt.Errorf("import %s: %w", path, err)
		}
		// Bad rows, a missing file, an unsupported format: the Chinese
		// message says it all, and nothing was written.
		return reportFailure(stderr, "导入失败，没有写入任何数据：", err)
	}
	fmt.Fprintf(stdout, "导入完成：%d 所高校有新增或改动。\n", n)
	return nil
}

// runExport: xuexibot export [-config FILE] FILE
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	configPath := fs.String("config", "", "配置文件（默认：本目录的内置存储）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "用法：xuexibot export [-config FILE] FILE.csv|FILE.xlsx")
		return errUsage
	}
	if _, err := sheet.FormatOf(fs.Arg(0)); err != nil {
		return reportFailure(stderr, "导出失败：", err)
	}
	a, err := openSheetApp(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := sheet.Export(ctx, a.backend, fs.Arg(0))
	if err != nil {
		if store.ErrorCode(err) == store.EInternal {
			return fmt.Errorf("export %s: %w", fs.Arg(0), err)
		}
		return reportFailure(stderr, "导出失败：", err)
	}
	fmt.Fprintf(stdout, "已导出 %d 所高校到 %s。\n", n, fs.Arg(0))
	return nil
}

// operator is the audit actor for changes made from the command line.
func operator() store.Actor {
	name := "operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return store.Actor{ID: "cli:" + name, Nick: name + "（命令行）"}
}

// openSheetApp opens the store for import and export. Without a config
// file the store's start-up notes stay out of the way, as in the console.
func openSheetApp(ctx context.Context, configPath string, stderr io.Writer) (*app, error) {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return nil, err
	}
	if configPath == "" {
		cfg.Log.Level = "warn"
	}
	return openAppWith(ctx, cfg, stderr)
}

// reportFailure prints a failure's Chinese message after its heading: on
// one line when it is one line (找不到文件 …), else as the list it is (every
// bad row of a file).
func reportFailure(stderr io.Writer, heading string, err error) error {
	msg := store.ErrorMessage(err)
	if strings.Contains(msg, "\n") {
		fmt.Fprintf(stderr, "%s\n%s\n", heading, msg)
	} else {
		fmt.Fprintf(stderr, "%s%s\n", heading, msg)
	}
	return errReported
}
