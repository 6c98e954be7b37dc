package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Task is one kind of periodic work: its name (the job's task, unique) and when
// it runs (a cron spec).
type Task struct {
	Name string
	Spec string
}

// parser reads standard five-field specs and descriptors; no seconds field.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// entry is a task with its parsed schedule.
type entry struct {
	name  string
	spec  string
	sched cron.Schedule
}

// Specs checks tasks as configuration does: every spec parses and fires, every
// name is given once. The error names each bad task, one line each.
func Specs(tasks []Task) error {
	_, err := compile(tasks, time.UTC)
	return err
}

// Next returns the first tick of spec strictly after after, as the scheduler
// enqueues it (UTC, whole seconds); cron fields are read in UTC unless the spec
// says CRON_TZ=.
func Next(spec string, after time.Time) (time.Time, error) {
	s, err := parse(spec, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("spec %q: %w", spec, err)
	}
	return tick(s.Next(after)), nil
}

// tick is the instant enqueued for a scheduled time.
func tick(t time.Time) time.Time { return t.Truncate(time.Second).UTC() }

func compile(tasks []Task, loc *time.Location) ([]entry, error) {
	var errs []error
	entries := make([]entry, 0, len(tasks))
	seen := make(map[string]bool, len(tasks))
	for _, t := range tasks {
		switch {
		case strings.TrimSpace(t.Name) == "":
			errs = append(errs, fmt.Errorf("task with spec %q has no name", t.Spec))
			continue
		case seen[t.Name]:
			errs = append(errs, fmt.Errorf("task %s is scheduled twice", t.Name))
			continue
		}
		seen[t.Name] = true
		s, err := parse(t.Spec, loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("task %s: spec %q: %w", t.Name, t.Spec, err))
			continue
		}
		entries = append(entries, entry{name: t.Name, spec: t.Spec, sched: s})
	}
	return entries, errors.Join(errs...)
}

// parse reads a spec into a schedule whose ticks are the same instants on every
// instance: cron fields are read in loc unless the spec names its zone, and
// "@every" ticks are aligned to multiples of the interval.
func parse(spec string, loc *time.Location) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty spec")
	}
	zoned := strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")
	body := spec
	if zoned {
		var ok bool
		// robfig/cron slices up to the first space and panics without one.
		if _, body, ok = strings.Cut(spec, " "); !ok || strings.TrimSpace(body) == "" {
			return nil, errors.New("a time zone needs a schedule after it (CRON_TZ=Europe/Amsterdam 0 3 * * *)")
		}
		body = strings.TrimSpace(body)
	}
	if d, ok := strings.CutPrefix(body, "@every "); ok {
		every, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration (30s, 5m, 1h)", strings.TrimSpace(d))
		}
		if every < time.Second || every%time.Second != 0 {
			return nil, fmt.Errorf("@every needs a whole number of seconds, at least 1s, not %s", every)
		}
		return aligned{every: every}, nil
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("unreadable spec: %v", r)
		}
	}()
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, err
	}
	if ss, ok := s.(*cron.SpecSchedule); ok && !zoned {
		// The parser's default is time.Local: a host in another zone would
		// tick at other instants and enqueue other jobs.
		ss.Location = loc
	}
	// A spec like "0 0 30 2 *" parses but never fires (cron gives up after five
	// years and answers the zero time).
	if s.Next(time.Now()).IsZero() {
		return nil, errors.New("never fires")
	}
	return s, nil
}

// aligned ticks at every multiple of its interval since the zero time — on the
// clock for intervals that divide a day ("@every 1m": each whole minute). cron's
// own ConstantDelaySchedule counts from the time it is asked, that is from each
// process's start, so two instances would tick at different instants and enqueue
// different jobs.
type aligned struct{ every time.Duration }

func (a aligned) Next(t time.Time) time.Time { return t.Truncate(a.every).Add(a.every) }
