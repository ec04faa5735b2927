// Package sheet imports and exports the registry's universities as CSV or
// XLSX spreadsheets with Chinese headers, so admins can fill in numbers in
// Excel and load them back in one step.
//
// # Format
//
// The file type follows the extension: .csv or .xlsx. The first row holds
// the headers; every other row is one university. Export writes, in order:
// 学校标识码, 学校名称, 别名, 类别, 所在地, 办学性质, 主管部门, 纳入统计, 备注,
// 学习管理员, 管理员钉钉ID, 管理员手机, 党支部数, 已覆盖党支部数, 党员数,
// 已激活党员数, and one column per milestone titled by the milestone
// (全部下载安装, 完成上下级认证) holding 未完成, 已完成 or 已完成（2019-03-07）,
// the date in Asia/Shanghai. CSV is written as UTF-8 with a byte-order mark,
// since Excel otherwise guesses the wrong encoding; it is read with or
// without the mark, and as GB18030 when it is not valid UTF-8 (what Excel
// on a Chinese Windows saves as "CSV").
//
// # Import
//
// Only 学校名称 is required; any other column may be left out, and a column
// that is left out leaves that field as it is. The columns may come in any
// order. A header that is not one of the above is an error rather than
// ignored, so a misspelt header cannot silently drop a column. A blank
// number is 0, a blank milestone cell is 未完成, blank text clears the field;
// 类别 must be 本科, 高专 or 高职 (or 本科学校, 高等专科学校, 高等职业学院) and
// 纳入统计 是 or 否. 管理员手机 must be 11 digits (1[3-9]…), 办学性质 公办 or
// 民办; these two are checked only when they change, so what the registry
// already holds never blocks a re-import. A blank row is skipped.
//
// A row names its university by 学校标识码 or, without one, by its exact
// name or an alias; only a row with 学校标识码 can rename a university. A
// renamed university keeps its old name as an alias (as the seed keeps
// 湖南商学院 for 湖南工商大学), so people who type the old name still find
// it: the old name is added to what 别名 says, or to the registry's aliases
// when the file has no 别名 column. It is left out only when another
// university in the result answers to it (a new school took the name); to
// drop it otherwise, import 别名 without it once the rename is done. A
// name or alias another university answers to is refused. Two rows naming
// the same university are refused, the later one told the earlier row's
// line and school. A 学校标识码 that is not yet in the registry adds a new
// university, which needs 学校名称 and 类别. Decode checks every row before
// it returns, and returns all problems at once as Errors, each with the
// row number a spreadsheet shows (the header is row 1); then nothing is to be
// written. Import writes all or nothing through Registry.Put.
//
// A file that cannot be used at all (unsupported extension, missing,
// unreadable, malformed) is one error for people: store.ErrorMessage gives
// the Chinese, store.ErrorCode EInvalid, or ENotFound for a missing file or
// export folder, and the system's error stays wrapped for operators.
//
// Progress that does not change keeps its original time and author, so an
// export imported again changes nothing. A milestone that turns 已完成
// without a date is stamped with the import's time and actor; with a date,
// with that day at 00:00 Asia/Shanghai.
package sheet
