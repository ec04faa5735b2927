package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"xuexibot/bot"
	"xuexibot/bot/console"
)

// consoleUser is who types in the console when -user is not given; it is
// an admin, so an operator can try every command before DingTalk exists.
const consoleUser = "console"

// runConsole: xuexibot console [-config FILE] [-user STAFFID] [-nick NAME] [-http ADDR]
func runConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("console", stderr)
	configPath := fs.String("config", "", "配置文件（默认：本目录的内置存储 xuexibot.db）")
	user := fs.String("user", "", "以此钉钉 staffId 的身份输入（默认：管理员 console）")
	nick := fs.String("nick", "控制台", "显示的昵称")
	httpAddr := fs.String("http", "", "同时在此地址提供进度看板，例如 127.0.0.1:8080（默认不提供）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if *configPath == "" {
		// A first try in a terminal: keep the store's start-up notes out of
		// the conversation. A config file's log.level is respected.
		cfg.Log.Level = "warn"
	}
	a, err := openAppWith(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	admins := slices.Clone(a.cfg.Admins)
	id := *user
	if id == "" {
		id = consoleUser
		admins = append(admins, consoleUser)
	}
	r, err := a.router(admins, nil)
	if err != nil {
		return err
	}
	// Leadership's view of the same store, to watch while trying commands.
	// Only on request: a console should not take a port by surprise.
	addr, stopHTTP, err := a.serveHTTP(*httpAddr, nil)
	if err != nil {
		return err
	}
	defer stopHTTP()
	if addr != "" {
		fmt.Fprintf(stderr, "进度看板：http://%s/\n", addr)
	}
	return console.Run(ctx, r, stdin, stdout, bot.User{ID: id, Nick: *nick})
}
