// Command xuexibot is the DingTalk chat-ops bot of the Hunan universities'
// 学习强国 rollout (the education work committee's notice of 2019-03-07).
//
// Usage:
//
//	xuexibot console [-config FILE] [-user STAFFID]   try every command in a terminal
//	xuexibot run -config FILE                         serve the DingTalk work group
//	xuexibot import [-config FILE] FILE.csv|FILE.xlsx all or nothing, every bad row named
//	xuexibot export [-config FILE] FILE.csv|FILE.xlsx
//	xuexibot check-config -config FILE                every problem at once
//
// This package only wires the others together: main calls run(ctx, args,
// stdin, stdout, stderr), one file per subcommand (cmd_*.go), and tests
// call run too. README.md explains the whole.
package main
