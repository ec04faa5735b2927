package commands

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"xuexibot/bot"
	"xuexibot/store"
)

func (r *Router) setCommand() Command {
	return Command{
		Name: "set", Aliases: []string{"设置", "修改", "更新"},
		Help:    "修改一所学校的学习管理员或党支部、党员数；可一次改多项",
		Usage:   "/set 学校名称 字段=值 …（字段：" + strings.Join(fieldOrder, "、") + "）",
		Example: "/set 湖南警察学院 党员数=1200 已激活=800",
		MinArgs: 2, Admin: true, OrgArg: true, Handler: HandlerFunc(r.set),
	}
}

// fieldOrder lists the settable fields as the import headers name them.
var fieldOrder = []string{
	store.FieldAdmin, store.FieldAdminID, store.FieldMobile,
	store.FieldBranches, store.FieldCovered, store.FieldMembers, store.FieldActivated,
}

// fieldKeys maps every accepted key (header, short form, English) to its header.
var fieldKeys = map[string]string{
	store.FieldAdmin: store.FieldAdmin, "管理员": store.FieldAdmin, "admin": store.FieldAdmin,
	lowerASCII(store.FieldAdminID): store.FieldAdminID, "钉钉id": store.FieldAdminID, "admin_id": store.FieldAdminID, "adminid": store.FieldAdminID,
	store.FieldMobile: store.FieldMobile, "手机": store.FieldMobile, "手机号": store.FieldMobile, "mobile": store.FieldMobile,
	store.FieldBranches: store.FieldBranches, "支部数": store.FieldBranches, "branches": store.FieldBranches,
	store.FieldCovered: store.FieldCovered, "已覆盖": store.FieldCovered, "covered": store.FieldCovered,
	store.FieldMembers: store.FieldMembers, "members": store.FieldMembers,
	store.FieldActivated: store.FieldActivated, "已激活": store.FieldActivated, "activated": store.FieldActivated,
}

// MaxCount bounds 党支部数 and 党员数: larger is a typo, not a university.
const MaxCount = 10_000_000

var (
	mobileRe  = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	staffIDRe = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,64}$`)
)

// assignment is one key=value of /set.
type assignment struct {
	field, value string
}

func (r *Router) set(ctx context.Context, req *Request) (bot.Reply, error) {
	args := joinAssignments(req.Args)
	// The name is every word before the first key=value.
	k := 0
	for k < len(args) && !strings.ContainsAny(args[k], "=:") {
		k++
	}
	if k == 0 {
		return bot.Reply{}, usage(req.Command, "请先写学校名称。")
	}
	if k == len(args) {
		return bot.Reply{}, usage(req.Command, "缺少要修改的字段。")
	}
	o, err := r.resolveOrg(ctx, strings.Join(args[:k], " "))
	if err != nil {
		return bot.Reply{}, err
	}
	req.About(o)
	var as []assignment
	seen := map[string]bool{}
	for _, word := range args[k:] {
		// 党员数=1200,已激活=800 in one word, as typed on a phone.
		for _, pair := range strings.FieldsFunc(word, func(r rune) bool { return r == ',' || r == ';' || r == '、' }) {
			a, err := parseAssignment(pair)
			if err != nil {
				return bot.Reply{}, err
			}
			if seen[a.field] {
				return bot.Reply{}, userErr("字段“%s”写了两次，请只写一次。", a.field)
			}
			seen[a.field] = true
			as = append(as, a)
		}
	}
	if len(as) == 0 {
		return bot.Reply{}, usage(req.Command, "缺少要修改的字段。")
	}
	ms, err := r.reg.Milestones(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	var before store.Org
	after, err := r.reg.Update(ctx, o.ID, req.Meta(), func(o *store.Org) error {
		before = o.Clone()
		for _, a := range as {
			apply(o, a)
		}
		// Check the result, so a change that pairs with a stored value
		// (已覆盖 above the stored 党支部数) is caught too.
		if o.BranchesCovered > o.Branches {
			return userErr("已覆盖党支部数（%d）不能大于党支部数（%d）。", o.BranchesCovered, o.Branches)
		}
		if o.MembersActivated > o.Members {
			return userErr("已激活党员数（%d）不能大于党员数（%d）。", o.MembersActivated, o.Members)
		}
		return nil
	})
	if err != nil {
		return bot.Reply{}, err
	}
	diff := store.Diff(before, after, ms)
	if len(diff) == 0 {
		return bot.Reply{Markdown: after.Name + " 的数据与原来相同，没有改动。"}, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "已更新 **%s**：\n\n", after.Name)
	for _, f := range diff {
		fmt.Fprintf(&b, "- %s：%s → %s\n", f.Field, orEmpty(f.Before), orEmpty(f.After))
	}
	return bot.Reply{Title: after.Name + " 已更新", Markdown: strings.TrimRight(b.String(), "\n")}, nil
}

func orEmpty(s string) string {
	if s == "" {
		return "（空）"
	}
	return s
}

// joinAssignments glues key = value, key= value and key =value (spaces
// around the sign, as phone keyboards type them) into one word key=value.
// A word ending in = takes the next word only when that one holds no sign
// itself, so 管理员= 党员数=5 still clears 管理员.
func joinAssignments(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		w := args[i]
		if n := len(out); n > 0 && strings.IndexAny(w, "=:") == 0 && !strings.ContainsAny(out[n-1], "=:") {
			out[n-1] += w // 管理员 =王五, 管理员 = 王五
		} else {
			out = append(out, w)
		}
		last := out[len(out)-1]
		endsInSign := strings.HasSuffix(last, "=") || strings.HasSuffix(last, ":")
		if endsInSign && i+1 < len(args) && !strings.ContainsAny(args[i+1], "=:") {
			out[len(out)-1] += args[i+1]
			i++
		}
	}
	return out
}

// parseAssignment reads key=value (or key:value) and validates the value.
func parseAssignment(pair string) (assignment, error) {
	i := strings.IndexAny(pair, "=:")
	if i < 0 {
		return assignment{}, userErr("“%s”不是 字段=值 的形式，例如 党员数=1200。", pair)
	}
	key, value := strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+1:])
	field, ok := fieldKeys[lowerASCII(key)]
	if !ok {
		return assignment{}, userErr("不认识的字段“%s”。可修改：%s（也可写 管理员、钉钉ID、手机、已覆盖、已激活，或 admin、admin_id、mobile、branches、covered、members、activated）。", key, strings.Join(fieldOrder, "、"))
	}
	switch field {
	case store.FieldAdmin:
		if utf8.RuneCountInString(value) > 32 {
			return assignment{}, userErr("学习管理员姓名“%s”太长（不超过 32 字）。", value)
		}
	case store.FieldAdminID:
		if value != "" && !staffIDRe.MatchString(value) {
			return assignment{}, userErr("管理员钉钉ID“%s”无效：只能包含字母、数字、下划线和连字符。", value)
		}
	case store.FieldMobile:
		v := strings.TrimPrefix(strings.ReplaceAll(value, "-", ""), "+86")
		if v != "" && !mobileRe.MatchString(v) {
			return assignment{}, userErr("管理员手机“%s”无效：应为 11 位手机号，如 13812345678。", value)
		}
		value = v
	default:
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > MaxCount {
			return assignment{}, userErr("%s的值“%s”无效：应为 0 到 %d 之间的整数。", field, value, MaxCount)
		}
		value = strconv.Itoa(n)
	}
	return assignment{field: field, value: value}, nil
}

// apply writes a validated assignment into o.
func apply(o *store.Org, a assignment) {
	n, _ := strconv.Atoi(a.value) // validated by parseAssignment for number fields
	switch a.field {
	case store.FieldAdmin:
		o.Admin.Name = a.value
	case store.FieldAdminID:
		o.Admin.UserID = a.value
	case store.FieldMobile:
		o.Admin.Mobile = a.value
	case store.FieldBranches:
		o.Branches = n
	case store.FieldCovered:
		o.BranchesCovered = n
	case store.FieldMembers:
		o.Members = n
	case store.FieldActivated:
		o.MembersActivated = n
	}
}
