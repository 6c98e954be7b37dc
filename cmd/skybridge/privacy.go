package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/user"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/store"
)

var errPrivacyUsage = errors.New(`usage: skybridge privacy export|erase whatsapp NUMBER | messenger ID | webchat SESSION | booking REFERENCE SURNAME`)

// retention turns the configuration into the store's policy.
func retention(cfg Config) store.Retention {
	return store.Retention{
		Transcripts:   cfg.Retention.Transcripts,
		Documents:     cfg.Retention.Documents,
		Deliveries:    cfg.Retention.Deliveries,
		WebhookEvents: cfg.Retention.WebhookEvents,
		Analytics:     cfg.Retention.Analytics,
	}
}

// privacyCommand runs `skybridge privacy export|erase KIND ID [SURNAME]`: the
// export is one JSON document on stdout; the erasure prints what it deleted. Both
// are recorded with the operating-system user who ran them.
func privacyCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) < 3 || len(args) > 4 || (args[0] != "export" && args[0] != "erase") {
		return errPrivacyUsage
	}
	surname := ""
	if len(args) == 4 {
		surname = args[3]
	}
	if (args[1] == "booking") != (len(args) == 4) {
		return errPrivacyUsage
	}
	subj, err := domain.ParseDataSubject(args[1], args[2], surname)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	actor := commandActor()
	if args[0] == "export" {
		exp, err := a.store.Export(ctx, subj, actor)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(exp)
	}
	rep, err := a.store.Erase(ctx, subj, actor)
	if err != nil {
		return err
	}
	if rep.Total() == 0 {
		fmt.Fprintln(stdout, "nothing stored about this traveller")
		return nil
	}
	for _, table := range sortedKeys(rep) {
		fmt.Fprintf(stdout, "%-24s %d\n", table, rep[table])
	}
	return nil
}

// commandActor names who ran a command, for the audit log.
func commandActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// resealCommand runs `skybridge reseal`: every sealed value under an older key
// is sealed again with the first of SKYBRIDGE_DATA_KEYS, and contact numbers
// still in clear get their blind index. Safe while instances serve; run it after
// every instance has the new key first, then remove the old key.
func resealCommand(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := a.store.Reseal(ctx, 500)
	fmt.Fprintln(stdout, rep.String())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done: %d values now under key %s\n", rep.Total(), a.sealer.Current())
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// privacyAPI serves the JSON API's privacy requests from the store.
type privacyAPI struct{ s *store.Store }

var _ api.Privacy = privacyAPI{}

func (p privacyAPI) ExportSubject(ctx context.Context, subj domain.DataSubject, actor string) (any, error) {
	return p.s.Export(ctx, subj, actor)
}

func (p privacyAPI) EraseSubject(ctx context.Context, subj domain.DataSubject, actor string) (map[string]int64, error) {
	return p.s.Erase(ctx, subj, actor)
}

func (p privacyAPI) FindSubject(ctx context.Context, subj domain.DataSubject) (domain.SubjectSummary, error) {
	return p.s.FindSubject(ctx, subj)
}
