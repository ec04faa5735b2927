package commands

// builtins are the commands every Router has, in the order /help lists them.
func (r *Router) builtins() []Command {
	return []Command{
		r.statusCommand(),
		r.laggingCommand(),
		r.summaryCommand(),
		r.doneCommand(),
		r.undoCommand(),
		r.setCommand(),
		r.deadlineCommand(),
		r.historyCommand(),
		r.adminsCommand(),
		r.remindCommand(),
		r.scheduleCommand(),
		r.helpCommand(),
	}
}
