package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"xuexibot/report"
	"xuexibot/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

// RefreshSeconds is how often the dashboard reloads itself.
const RefreshSeconds = 60

type templates struct {
	dashboard, unavailable *template.Template
}

func parseTemplates() (templates, error) {
	funcs := template.FuncMap{
		"pct":   store.Percent,
		"width": barWidth,
	}
	d, err := template.New("dashboard.html").Funcs(funcs).ParseFS(templateFiles, "templates/dashboard.html")
	if err != nil {
		return templates{}, fmt.Errorf("parse dashboard template: %w", err)
	}
	u, err := template.New("unavailable.html").ParseFS(templateFiles, "templates/unavailable.html")
	if err != nil {
		return templates{}, fmt.Errorf("parse unavailable template: %w", err)
	}
	return templates{dashboard: d, unavailable: u}, nil
}

// barWidth turns a rate into a CSS width percentage, clamped so bad data
// cannot draw outside the bar.
func barWidth(r float64) string {
	return strconv.FormatFloat(min(max(r*100, 0), 100), 'f', 1, 64)
}

// page is what the dashboard template renders.
type page struct {
	Refresh    int
	Updated    string // when the page was built
	Milestones []milestoneView
	Categories []report.Numbers
	Total      report.Numbers
	ShowTotal  bool
	Best       []rankView
	Worst      []rankView
	Lagging    []laggingGroupView
	LagTotal   int
	LagTitle   string

	Window  string // 近7天
	Changes []string
	// ChangeCount is how many changes the window holds as far as the
	// summary knows: 共 12 条, or 超过 200 条 past report.MaxChanges.
	ChangeCount string
	// ChangesCut is set when the window holds more than Changes lists.
	ChangesCut bool
	LastChange string
}

type milestoneView struct {
	report.MilestoneProgress
	Due string
}

type rankView struct {
	Rank           int
	Names          string
	Count          int
	Done           int
	ActivationRate float64
	Partial        bool
}

type laggingGroupView struct {
	Heading string // 一、本科学校（3 所）
	Orgs    []laggingView
}

type laggingView struct {
	Name    string
	Pending string // 安装、认证
}

func (s *server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.cfg.Now()
	p, err := s.build(ctx, now)
	if err != nil {
		s.cfg.Logger.Error("web: dashboard", "err", err)
		s.render(w, http.StatusServiceUnavailable, s.tmpl.unavailable, struct{ Refresh int }{RefreshSeconds})
		return
	}
	s.render(w, http.StatusOK, s.tmpl.dashboard, p)
}

// render executes t into a buffer first, so a template error becomes a 500
// rather than half a page.
func (s *server) render(w http.ResponseWriter, code int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		s.cfg.Logger.Error("web: render", "template", t.Name(), "err", err)
		http.Error(w, "页面生成失败 (render failed)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func (s *server) build(ctx context.Context, now time.Time) (page, error) {
	sum, window, err := s.summary(ctx, now)
	if err != nil {
		return page{}, err
	}
	lag, err := report.BuildLagging(ctx, s.cfg.Source, "", "")
	if err != nil {
		return page{}, fmt.Errorf("web: lagging: %w", err)
	}
	p := page{
		Refresh:     RefreshSeconds,
		Updated:     now.In(s.cfg.Location).Format("2006年1月2日 15:04:05"),
		Categories:  sum.Categories,
		Total:       sum.Total,
		ShowTotal:   len(sum.Categories) > 1,
		Best:        rankViews(sum.Best),
		Worst:       rankViews(sum.Worst),
		LagTotal:    lag.Total,
		LagTitle:    lag.Heading(),
		Window:      windowText(window),
		ChangeCount: sum.ChangeCount(),
	}
	for _, m := range sum.Milestones {
		p.Milestones = append(p.Milestones, milestoneView{MilestoneProgress: m, Due: report.FormatDue(m.Milestone.Due, now)})
	}
	for i, g := range lag.Groups {
		gv := laggingGroupView{Heading: fmt.Sprintf("%s、%s（%d 所）", report.Numeral(i+1), g.Category.Title(), len(g.Orgs))}
		for _, lo := range g.Orgs {
			shorts := make([]string, len(lo.Pending))
			for k, m := range lo.Pending {
				shorts[k] = m.Short
			}
			gv.Orgs = append(gv.Orgs, laggingView{Name: lo.Org.Name, Pending: strings.Join(shorts, "、")})
		}
		p.Lagging = append(p.Lagging, gv)
	}
	// Newest first, as people scan a feed.
	chs := slices.Clone(sum.Changes)
	slices.Reverse(chs)
	if len(chs) > 0 {
		p.LastChange = report.FormatTime(chs[0].At)
	}
	for _, ch := range chs[:min(len(chs), report.ShownChanges)] {
		p.Changes = append(p.Changes, report.ChangeLine(ch))
	}
	p.ChangesCut = sum.MoreChanges || len(p.Changes) < len(chs)
	return p, nil
}

// summary builds the summary with the changes of the configured window;
// report reads only the newest of them, so a busy week costs what a quiet
// one does.
func (s *server) summary(ctx context.Context, now time.Time) (report.Summary, time.Duration, error) {
	d := s.cfg.ChangesWindow
	sum, err := report.BuildSummary(ctx, s.cfg.Source, now, now.Add(-d))
	if err != nil {
		return report.Summary{}, 0, fmt.Errorf("web: summary: %w", err)
	}
	return sum, d, nil
}

func windowText(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return "近" + strconv.Itoa(int(d/(24*time.Hour))) + "天"
	case d >= time.Hour && d%time.Hour == 0:
		return "近" + strconv.Itoa(int(d/time.Hour)) + "小时"
	}
	return "近" + strconv.Itoa(int(d/time.Minute)) + "分钟"
}

func rankViews(groups []report.RankGroup) []rankView {
	out := make([]rankView, 0, len(groups))
	for _, g := range groups {
		names := make([]string, len(g.Orgs))
		for i, o := range g.Orgs {
			names[i] = o.Name
		}
		out = append(out, rankView{
			Rank: g.Rank, Names: strings.Join(names, "、"), Count: len(names),
			Done: g.Done, ActivationRate: g.ActivationRate, Partial: g.Partial,
		})
	}
	return out
}
