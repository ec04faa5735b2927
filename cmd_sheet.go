package main

import (
	"context"
	"fmt"
	"io"
	"os/user"

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
	a, err := openApp(ctx, *configPath, stderr)
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
		fmt.Fprintln(stderr, "导入失败，没有写入任何数据：")
		fmt.Fprintln(stderr, store.ErrorMessage(err))
		return errReported
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
	a, err := openApp(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := sheet.Export(ctx, a.backend, fs.Arg(0))
	if err != nil {
		if store.ErrorCode(err) == store.EInternal {
			return fmt.Errorf("export %s: %w", fs.Arg(0), err)
		}
		fmt.Fprintf(stderr, "导出失败：%s\n", store.ErrorMessage(err))
		return errReported
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
