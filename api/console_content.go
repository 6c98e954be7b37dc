package api

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// draftView is the shared draft as the console shows it: its content (the newest
// published version when nobody has started a draft), the newest version, what
// changed between them and what stops publication.
type draftView struct {
	Content    flows.Content
	Latest     flows.Content
	LatestMeta domain.ContentVersion
	Draft      domain.ContentDraft
	HasDraft   bool
	Changes    []flows.Change
	Problems   []flows.Problem
	// Langs are the enabled languages and then any other the draft has a
	// catalogue for (one being added).
	Langs []domain.Lang
}

// Stale reports whether versions were published since the draft was started:
// publishing it would undo them.
func (d draftView) Stale() bool { return d.HasDraft && d.Draft.BaseVersion != d.LatestMeta.Version }

// problemsOf returns the problems of one language and key ("" lang: rules).
func (d draftView) problemsOf(l domain.Lang, key string) []string {
	var out []string
	for _, p := range d.Problems {
		if p.Lang == l && (p.Key == key || p.Key == "*") {
			out = append(out, p.Message)
		}
	}
	return out
}

// rulesProblems returns the rule problems whose key starts with prefix.
func (d draftView) rulesProblems(prefix string) []string {
	var out []string
	for _, p := range d.Problems {
		if p.Lang == "" && strings.HasPrefix(p.Key, prefix) {
			out = append(out, p.Message)
		}
	}
	return out
}

func (s *Server) loadDraft(ctx context.Context) (draftView, error) {
	var v draftView
	latest, err := s.console.Content(ctx, 0)
	if err != nil {
		return v, err
	}
	if v.Latest, err = flows.ParseContent(latest); err != nil {
		return v, err
	}
	v.LatestMeta = latest
	v.Content = v.Latest
	d, ok, err := s.console.Draft(ctx)
	if err != nil {
		return v, err
	}
	if ok {
		v.Draft, v.HasDraft = d, true
		if v.Content, err = flows.ParseContent(domain.ContentVersion{Body: d.Body}); err != nil {
			return v, err
		}
	}
	// A catalogue the draft has and the newest version has not is a language
	// being added: it is checked (and shown) like an enabled one.
	v.Langs = slices.Clone(s.langs)
	for _, l := range domain.Languages {
		_, inDraft := v.Content.Messages[l]
		_, published := v.Latest.Messages[l]
		if inDraft && !published && !slices.Contains(v.Langs, l) {
			v.Langs = append(v.Langs, l)
		}
	}
	v.Changes = flows.Diff(v.Latest, v.Content)
	v.Problems = v.Content.CheckDraft(v.Langs)
	return v, nil
}

// editDraft applies edit to the draft (started from the newest version if there
// is none) and saves it, starting over when someone else saved in between.
func (s *Server) editDraft(ctx context.Context, who string, edit func(c *flows.Content) error) (draftView, error) {
	for attempt := 0; ; attempt++ {
		v, err := s.loadDraft(ctx)
		if err != nil {
			return v, err
		}
		c := cloneContent(v.Content)
		if err := edit(&c); err != nil {
			return v, err
		}
		body, err := flows.MarshalContent(c)
		if err != nil {
			return v, fmt.Errorf("save draft: %w", err)
		}
		base := v.LatestMeta.Version
		if v.HasDraft {
			base = v.Draft.BaseVersion
		}
		_, err = s.console.SaveDraft(ctx, domain.ContentDraft{Body: body, BaseVersion: base, UpdatedBy: who}, v.Draft.Revision)
		if domain.IsCode(err, domain.Conflict) && attempt < 3 {
			continue
		}
		if err != nil {
			return v, err
		}
		return s.loadDraft(ctx)
	}
}

// cloneContent copies the catalogues so that an edit never touches a shared map.
func cloneContent(c flows.Content) flows.Content {
	out := c
	out.Messages = make(map[domain.Lang]map[string]string, len(c.Messages))
	for l, m := range c.Messages {
		cp := make(map[string]string, len(m))
		for k, v := range m {
			cp[k] = v
		}
		out.Messages[l] = cp
	}
	out.Rules.Templates = slices.Clone(c.Rules.Templates)
	if c.Rules.Notify != nil {
		n := *c.Rules.Notify
		n.Kinds = make(map[domain.FlightEventKind]domain.NotifyRule, len(c.Rules.Notify.Kinds))
		for k, r := range c.Rules.Notify.Kinds {
			n.Kinds[k] = r
		}
		out.Rules.Notify = &n
	}
	return out
}

// maxTextLen bounds one prompt.
const maxTextLen = 2000

// applyTexts sets texts per language and key; an empty text removes the key (and
// the validator then reports it missing). Unknown keys and languages are Invalid.
func applyTexts(c *flows.Content, texts map[domain.Lang]map[string]string) error {
	const op = "edit texts"
	known := flows.MessageKeys()
	for l, m := range texts {
		if !l.Supported() {
			return domain.Errorf(domain.Invalid, op, "unknown language %q", l)
		}
		for k, t := range m {
			if _, ok := known[k]; !ok {
				return domain.Errorf(domain.Invalid, op, "unknown message key %q", k)
			}
			if len(t) > maxTextLen {
				return domain.Errorf(domain.Invalid, op, "%s.%s is longer than %d characters", l, k, maxTextLen)
			}
			if c.Messages[l] == nil {
				c.Messages[l] = map[string]string{}
			}
			t = strings.ReplaceAll(strings.TrimSpace(t), "\r\n", "\n")
			if t == "" {
				delete(c.Messages[l], k)
				continue
			}
			c.Messages[l][k] = t
		}
	}
	return nil
}

// publishDraft publishes the draft if it passes CheckDraft; otherwise it returns
// the problems and publishes nothing.
func (s *Server) publishDraft(ctx context.Context, a actor, addr, comment string) (int, draftView, error) {
	v, err := s.loadDraft(ctx)
	if err != nil {
		return 0, v, err
	}
	if !v.HasDraft {
		return 0, v, domain.Errorf(domain.Invalid, "publish", "there is no draft to publish")
	}
	if len(v.Problems) > 0 {
		return 0, v, domain.Errorf(domain.Invalid, "publish", "the draft has %d problems: fix them first", len(v.Problems))
	}
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return 0, v, domain.Errorf(domain.Invalid, "publish", "say in a comment what this version changes")
	}
	audit := domain.AuditEntry{Actor: a.Name, Action: domain.AuditPublish, Address: addr,
		Detail: fmt.Sprintf("%d changes from v%d: %s", len(v.Changes), v.LatestMeta.Version, comment)}
	n, err := s.console.PublishDraft(ctx, v.Draft.Body, v.Draft.Revision, a.Name, comment, audit)
	return n, v, err
}

// rollback publishes version again as the newest.
func (s *Server) rollback(ctx context.Context, a actor, addr string, version int, comment string) (int, error) {
	latest, err := s.console.Content(ctx, 0)
	if err != nil {
		return 0, err
	}
	if version == latest.Version {
		return 0, domain.Errorf(domain.Invalid, "roll back", "version %d is already the newest", version)
	}
	msg := fmt.Sprintf("rollback to version %d", version)
	if c := strings.TrimSpace(comment); c != "" {
		msg += ": " + c
	}
	audit := domain.AuditEntry{Actor: a.Name, Action: domain.AuditRollback, Address: addr,
		Detail: fmt.Sprintf("v%d again (was v%d)", version, latest.Version)}
	return s.console.Republish(ctx, version, a.Name, msg, audit)
}

// versionWithDiff loads a version and what it changed from the one before it.
func (s *Server) versionWithDiff(ctx context.Context, n int) (domain.ContentVersion, []flows.Change, error) {
	v, err := s.console.Content(ctx, n)
	if err != nil {
		return v, nil, err
	}
	cur, err := flows.ParseContent(v)
	if err != nil {
		return v, nil, err
	}
	var prev flows.Content
	if n > 1 {
		p, err := s.console.Content(ctx, n-1)
		if err != nil {
			return v, nil, err
		}
		if prev, err = flows.ParseContent(p); err != nil {
			return v, nil, err
		}
	}
	return v, flows.Diff(prev, cur), nil
}
