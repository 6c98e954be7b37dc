package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// print writes r for a person, or as JSON for machines.
func (r Report) print(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	rate := "as fast as possible"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%g webhooks/s", r.Rate)
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("skybridge-load: %s, channel %s, %d travellers, %s, concurrency %d, %.1fs",
		r.Target, r.Channel, r.Travellers, rate, r.Concurrency, r.Elapsed)
	p("verify handshake   %s", r.Handshake)
	p("")
	p("throughput")
	p("  webhooks acked   %d of %d sent (%d redelivered)   %.1f/s", r.Webhooks.Acked, r.Webhooks.Sent, r.Webhooks.Redelivered, r.Webhooks.PerSecond)
	p("  turns answered   %d   %.1f/s", r.Replies.Turns, r.Replies.TurnsPerSecond)
	p("  replies received %d   %.1f/s", r.Replies.Received, r.Replies.PerSecond)
	p("  conversations    %d completed of %d started", r.Conversations.Completed, r.Conversations.Started)
	p("")
	p("messages (each once, however often posted)")
	p("  sent %d, acknowledged %d, never acknowledged %d", r.Messages.Sent, r.Messages.Acknowledged, r.Messages.Unacknowledged)
	p("  answered %d, lost %d, duplicated %d (sends repeated: %d)", r.Messages.Answered, r.Messages.Lost, r.Messages.Duplicated, r.Messages.DuplicateSends)
	p("")
	p("latency (ms)        count      p50      p90      p99      max")
	for _, row := range []struct {
		name string
		p    Percentiles
	}{{"webhook ack", r.AckLatency}, {"end to end", r.EndToEnd}} {
		p("  %-14s %8d %8.1f %8.1f %8.1f %8.1f", row.name, row.p.Count, row.p.P50, row.p.P90, row.p.P99, row.p.Max)
	}
	if r.Cost != nil {
		p("")
		p("cost per turn answered")
		keys := make([]string, 0, len(r.Cost.CPUms))
		total := 0.0
		for k, v := range r.Cost.CPUms {
			keys = append(keys, k)
			total += v
		}
		slices.Sort(keys)
		for _, k := range keys {
			p("  CPU %-12s %6.2f ms", k, r.Cost.CPUms[k])
		}
		p("  CPU total        %6.2f ms", total)
		if r.Cost.Transactions > 0 {
			p("  PostgreSQL transactions  %.2f", r.Cost.Transactions)
		}
	}
	p("")
	p("errors")
	p("  non-200 acks       %s", counts(r.Errors.NonOK))
	p("  transport errors   %d", r.Errors.Transport)
	p("  reply timeouts     %d", r.Errors.ReplyTimeouts)
	p("  duplicate replies  %d", r.Errors.DuplicateReplies)
	p("  late replies       %d", r.Errors.LateReplies)
	p("  sends refused by the fake Graph API  %s", counts(r.Errors.GraphRefused))
	if r.Errors.UnknownRecipient > 0 {
		p("  replies to unknown recipients  %d", r.Errors.UnknownRecipient)
	}
	return nil
}

// counts renders {"401": 3} as "3 (401: 3)", "0" when empty.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	total := 0
	for k, v := range m {
		keys = append(keys, k)
		total += v
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}
