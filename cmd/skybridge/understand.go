package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/nlu"
)

// understanding is the JSON line `skybridge understand` prints per message.
type understanding struct {
	Message        string          `json:"message"`
	Lang           string          `json:"lang"`
	LangConfidence float64         `json:"lang_confidence"`
	Intent         string          `json:"intent"`
	Confidence     float64         `json:"confidence"`
	Unsure         bool            `json:"unsure,omitempty"`
	Alternatives   []string        `json:"alternatives,omitempty"`
	Entities       []understoodEnt `json:"entities"`
	// Source is who decided the intent ("built-in" or "llm"), shown when the
	// OpenAI-compatible endpoint is configured.
	Source string `json:"source,omitempty"`
}

type understoodEnt struct {
	Type       string `json:"type"`
	Value      string `json:"value"`
	Normalized string `json:"normalized"`
}

func toUnderstanding(msg string, u domain.Understanding) understanding {
	out := understanding{Message: msg, Lang: string(u.Lang), LangConfidence: round(u.LangConfidence),
		Intent: string(u.Intent), Confidence: round(u.Confidence), Unsure: u.Unsure, Entities: []understoodEnt{}}
	if u.Intent == domain.IntentNone {
		out.Intent = "none"
	}
	for _, a := range u.Alternatives {
		out.Alternatives = append(out.Alternatives, string(a))
	}
	for _, e := range u.Entities {
		out.Entities = append(out.Entities, understoodEnt{Type: string(e.Type), Value: e.Text, Normalized: e.Normalized})
	}
	return out
}

func round(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// understandCommand prints what the classifier makes of each message: the
// arguments, or one message per line of stdin. --lang is the traveller's
// stored language, --date the day relative dates count from, --eval FILE
// measures the classifier on an evaluation set instead. With SKYBRIDGE_LLM_URL
// set, unsure messages get the endpoint's second opinion, as in the service,
// and each line says which source decided (--eval measures the built-in
// classifier alone).
func understandCommand(cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("understand", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "", "the traveller's stored language, a hint for short messages")
	date := fs.String("date", "", "the day relative dates count from (YYYY-MM-DD), default today")
	eval := fs.String("eval", "", "evaluate on a lang<TAB>intent<TAB>message file and print the report")
	verbose := fs.Bool("v", false, "with --eval, list every miss")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	hint := domain.Lang(*lang)
	if hint != "" && !served(cfg.Languages, hint) {
		return fmt.Errorf("understand: --lang %q is not an enabled language %v", hint, cfg.Languages)
	}
	now := time.Now
	if *date != "" {
		d, err := time.ParseInLocation("2006-01-02", *date, time.Local)
		if err != nil {
			return fmt.Errorf("understand: --date %q is not YYYY-MM-DD", *date)
		}
		now = func() time.Time { return d.Add(12 * time.Hour) }
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	started := time.Now()
	c, err := nlu.New(cfg.Languages, nlu.WithClock(now))
	if err != nil {
		return fmt.Errorf("understand: %w", err)
	}
	built := time.Since(started)
	runtime.GC()
	runtime.ReadMemStats(&after)

	if *eval != "" {
		f, err := os.Open(*eval)
		if err != nil {
			return fmt.Errorf("understand: %w", err)
		}
		defer f.Close()
		cases, err := nlu.ReadCases(f)
		if err != nil {
			return fmt.Errorf("understand: %w", err)
		}
		cases = enabledCases(cases, cfg.Languages)
		r := nlu.Evaluate(c, cases, func(nlu.Case) domain.Lang { return hint })
		fmt.Fprintf(stdout, "languages: %v\nmodels: %.1f MB resident, built in %v\n", cfg.Languages,
			float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/(1<<20), built.Round(time.Millisecond))
		return r.Write(stdout, *verbose)
	}

	_, second, err := newUnderstander(cfg.LLM, c, nil, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))) // llm.go
	if err != nil {
		return fmt.Errorf("understand: %w", err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	emit := func(msg string) error {
		if second == nil {
			return enc.Encode(toUnderstanding(msg, c.Understand(msg, hint)))
		}
		u, src := second.Decide(context.Background(), msg, hint)
		out := toUnderstanding(msg, u)
		out.Source = string(src)
		return enc.Encode(out)
	}
	if fs.NArg() > 0 {
		for _, msg := range fs.Args() {
			if err := emit(msg); err != nil {
				return err
			}
		}
		return nil
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if msg := strings.TrimSpace(sc.Text()); msg != "" {
			if err := emit(msg); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("understand: read messages: %w", err)
	}
	return nil
}

func served(langs []domain.Lang, l domain.Lang) bool {
	for _, s := range langs {
		if s == l {
			return true
		}
	}
	return false
}

// enabledCases keeps the cases of the enabled languages: an airline that
// serves six languages is measured on those six.
func enabledCases(cases []nlu.Case, langs []domain.Lang) []nlu.Case {
	var out []nlu.Case
	for _, e := range cases {
		if served(langs, e.Lang) {
			out = append(out, e)
		}
	}
	return out
}
