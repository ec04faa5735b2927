package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"xuexibot/store"
	"xuexibot/store/names"
)

// resolveOrg finds the one org a person named, or says why it cannot:
// several candidates (EAmbiguous, listed) or none (ENotFound, with the
// nearest names).
func (r *Router) resolveOrg(ctx context.Context, query string) (store.Org, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return store.Org{}, userErr("请写出学校名称。")
	}
	res, err := r.reg.Resolve(ctx, query)
	if err != nil {
		return store.Org{}, err
	}
	if res.Org != nil {
		return *res.Org, nil
	}
	if m, ok := store.Pick(res.Matches); ok {
		return r.reg.Org(ctx, m.ID)
	}
	if len(res.Matches) > 1 {
		var b strings.Builder
		fmt.Fprintf(&b, "“%s”对应多所学校，请写得更完整。候选：\n\n", query)
		for i, m := range res.Matches {
			fmt.Fprintf(&b, "%d. %s\n", i+1, m.Name)
		}
		return store.Org{}, store.Errorf(store.EAmbiguous, "%s", strings.TrimRight(b.String(), "\n"))
	}
	return store.Org{}, store.Errorf(store.ENotFound, "%s", notFound(query, res.Nearest))
}

// notFound says a name matched nothing, offering the nearest names.
func notFound(query string, nearest []names.Match) string {
	msg := "没有找到学校“" + query + "”。"
	if len(nearest) > 0 {
		ns := make([]string, 0, len(nearest))
		for _, m := range nearest {
			if !slices.Contains(ns, m.Name) {
				ns = append(ns, m.Name)
			}
		}
		msg += "你是不是想找：" + strings.Join(ns, "、") + "？"
	}
	return msg
}

// findMilestone reads a milestone as people name it: its id (certify), its
// short word (认证), its title (完成上下级认证) or a part of the title.
func findMilestone(ms []store.Milestone, word string) (store.Milestone, bool) {
	w := lowerASCII(strings.TrimSpace(word))
	if w == "" {
		return store.Milestone{}, false
	}
	for _, m := range ms {
		if w == m.ID || w == m.Short || w == m.Title {
			return m, true
		}
	}
	var found []store.Milestone
	for _, m := range ms {
		if strings.Contains(m.Title, w) || (m.Short != "" && strings.Contains(w, m.Short)) {
			found = append(found, m)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return store.Milestone{}, false
}

// milestoneWords lists how a milestone may be named, for error messages.
func milestoneWords(ms []store.Milestone) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Short + "（" + m.ID + "，" + m.Title + "）"
	}
	return strings.Join(parts, "、")
}

// unknownMilestone is the error for a milestone word that names none.
func unknownMilestone(ms []store.Milestone, word string) error {
	return userErr("没有工作节点“%s”。可用：%s。", word, milestoneWords(ms))
}
