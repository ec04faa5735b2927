package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata"

	goredis "github.com/redis/go-redis/v9" // Asia/Shanghai must resolve in a scratch container too
)

const usage = `xuexibot — 湖南省高校“学习强国”推广工作群机器人

用法:
  xuexibot console [-config FILE] [-user STAFFID] [-nick 昵称] [-http 地址]
                                                    在终端里试用全部命令（默认使用本目录的内置存储，已载入通知数据）
  xuexibot run -config FILE                         连接钉钉工作群（Stream 模式），运行定时提醒和看板
  xuexibot import [-config FILE] FILE.csv|FILE.xlsx 导入学校数据：先逐行检查，全部无误才写入
  xuexibot export [-config FILE] FILE.csv|FILE.xlsx 导出学校数据（与导入格式相同）
  xuexibot check-config -config FILE                检查配置文件，一次列出全部问题

配置项见 config.example.yaml。`

// errUsage marks a mistake in the command line; main exits 2 for it.
// errReported marks a failure already explained to the user; main exits 1
// without repeating it.
var (
	errUsage    = errors.New("usage")
	errReported = errors.New("reported")
)

func main() {
	// go-redis reports dial failures through a process-wide logger of its
	// own. xuexibot reports store errors itself, with their operation, so
	// main (the one place that may set process-wide state) silences it.
	goredis.SetLogger(quietRedis{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	case errors.Is(err, errReported):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "xuexibot:", err)
		os.Exit(1)
	}
}

// quietRedis drops go-redis's own log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// run is the whole program; tests call it with their own arguments and streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "console":
		return runConsole(ctx, rest, stdin, stdout, stderr)
	case "run":
		return runBot(ctx, rest, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "check-config":
		return runCheckConfig(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "未知子命令 %q\n\n%s\n", sub, usage)
	return errUsage
}

// newFlags returns a flag set that prints its errors and usage to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("xuexibot "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, mapping flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errUsage
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
