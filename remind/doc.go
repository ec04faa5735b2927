// Package remind runs xuexibot's scheduled reminders and delivers them.
//
// # Jobs
//
// Three cron jobs, each off when its spec is "":
//
//   - deadline: per open milestone a countdown at T-7, T-3, T-1, the due day
//     and every day while overdue, listing the schools that have not
//     finished in the notice's shape (by category);
//   - lagging (催办): the schools that owe any milestone, each with its
//     学习管理员, who are @-mentioned when they have a DingTalk id and named
//     otherwise; with Direct each admin also gets a 1:1 message;
//   - report: the weekly 通报, report.BuildSummary with the changes since
//     the previous scheduled report; with Config.DashboardURL
//     (http.public_url) it carries a button "打开进度看板" to the dashboard
//     (OutMsg LinkTitle and LinkURL; the Poster sends an actionCard).
//
// A spec has 5 fields, or 6 with leading seconds, or is a descriptor
// (@daily). @every is refused: its times depend on when a process started,
// so replicas would not agree on a tick. Times are in Config.Location, and
// with WorkdaysOnly a tick that falls on a day off by China's official
// calendar (package calendar) is skipped.
//
// # Exactly once
//
// A tick is identified by (job, scheduled time). Before building a digest a
// replica claims "tick:<job>:<unix>" in the store; only the winner builds
// the digest and writes it to the durable outbox, with message ids derived
// from job and tick, so a retried write is idempotent. When building or
// writing fails the claim is released and the tick retried while it is
// fresh. At start each job's most recent tick is run once when it lies
// within CatchUp and nobody claimed it: a replica that was down catches up,
// one that merely restarted finds the claim and does nothing.
//
// The scheduler waits on its own timers rather than robfig/cron's runner:
// the runner reads the wall clock itself and does not tell a job its
// scheduled time, which is the claim key; robfig/cron still parses the specs
// and computes every time.
//
// # One message, one send
//
// A digest longer than one DingTalk message allows (maxPartBytes of
// markdown and @-tags, JSON-escaped, well under msgParam's 15000 bytes and
// a webhook body's 20000), or that @s more than the 50 people DingTalk
// notifies at once, is cut into several outbox messages when it is
// enqueued: ids "<job>-<unix>-p1", "-p2"..., titles numbered (1/3), on
// each part the mentions of the admins whose schools are on it (at most 50)
// and the button on the last, the same Job and Tick so that a newer tick
// still supersedes every part. The Poster then posts each
// message in one send: were it to split, a failure of a later part would
// make the sender retry the whole and post the first part twice, since the
// OpenAPI has no idempotency key. (When the custom robot is configured, a
// first part with mentions goes through it and later parts through the
// OpenAPI, which is another sender in the group.)
//
// # Delivery
//
// Sender leases due messages from the outbox, Batch at a time until none is
// due (Flush; Run does that on every poll), posts them through a Poster
// (the DingTalk client, which paces per group), marks them done, and on any
// error schedules a retry with exponential back-off and jitter, capped, or
// later when the error says so (RetryDelayer). When a part fails, the
// parts after it that the sender holds are scheduled just after its retry,
// so the group reads them in order. A message is dropped only when the
// error says retrying cannot help (PermanentError: too long, a refused
// parameter), with an error log and ReminderFailed, so that it neither
// loops nor holds back the rest; one that a newer tick of the same job
// supersedes is dropped by the outbox's Enqueue. A sender that dies leaves its leased messages to be
// leased again when the lease runs out, by itself after a restart or by
// another replica.
//
// Markdown in an OutMsg names people; it carries no "@staffId" tokens. The
// Poster adds them for the staffIds in Mentions where its channel can
// @-mention (the custom robot webhook), as bot.Reply's adapters do.
package remind
