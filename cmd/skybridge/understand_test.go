package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func understandLines(t *testing.T, out string) []understanding {
	t.Helper()
	var us []understanding
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var u understanding
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		us = append(us, u)
	}
	return us
}

func TestUnderstandCommand(t *testing.T) {
	t.Parallel()
	cfg := Config{Languages: []domain.Lang{"en", "fr", "nl", "de", "es", "pt", "it", "pl", "tr", "ar", "zh", "hi"}}
	tests := []struct {
		name   string
		args   []string
		stdin  string
		want   []string // intent/lang per message
		entity understoodEnt
	}{
		{"arguments", []string{"--date", "2026-03-10", "quiero cambiar mi vuelo al viernes", "hi my flight tomorrow to lisbon, can I bring my bike?"}, "",
			[]string{"change_flight/es", "question/en"}, understoodEnt{Type: "date", Value: "viernes", Normalized: "2026-03-13"}},
		{"stdin lines", []string{"--date", "2026-03-10"}, "Ik wil inchecken, boeking QX7P2L\n\n明天的航班延误了吗\n", []string{"check_in/nl", "flight_status/zh"},
			understoodEnt{Type: "locator", Value: "QX7P2L", Normalized: "QX7P2L"}},
		{"hint keeps a short message's language", []string{"--lang", "de", "ok"}, "", []string{"yes/"}, understoodEnt{}},
		{"flight and airport", []string{"is KL 1234 to AMS on time"}, "", []string{"flight_status/en"},
			understoodEnt{Type: "flight", Value: "KL 1234", Normalized: "KL1234"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errs bytes.Buffer
			if err := understandCommand(cfg, tt.args, strings.NewReader(tt.stdin), &out, &errs); err != nil {
				t.Fatalf("understand: %v (%s)", err, errs.String())
			}
			us := understandLines(t, out.String())
			var got []string
			var entities []understoodEnt
			for _, u := range us {
				got = append(got, u.Intent+"/"+u.Lang)
				entities = append(entities, u.Entities...)
				if u.Entities == nil {
					t.Errorf("%q: entities should be [], not null", u.Message)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("intent/lang = %v, want %v\n%s", got, tt.want, out.String())
			}
			if tt.entity != (understoodEnt{}) && !slices.Contains(entities, tt.entity) {
				t.Errorf("entities %v lack %v", entities, tt.entity)
			}
		})
	}
}

func TestUnderstandCommandRejects(t *testing.T) {
	t.Parallel()
	cfg := Config{Languages: []domain.Lang{"en", "fr"}}
	for name, args := range map[string][]string{
		"language not enabled": {"--lang", "de", "hallo"},
		"bad date":             {"--date", "10/03/2026", "tomorrow"},
		"unknown flag":         {"--nope"},
		"missing eval file":    {"--eval", filepath.Join(t.TempDir(), "none.tsv")},
	} {
		var out, errs bytes.Buffer
		if err := understandCommand(cfg, args, strings.NewReader(""), &out, &errs); err == nil {
			t.Errorf("%s: want an error, got %s", name, out.String())
		}
	}
}

// The evaluation report runs on the languages the airline enables only.
func TestUnderstandCommandEval(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "eval.tsv")
	set := "en\tcheck_in\tI want to check in\nen\tchange_flight\tI want to change my flight\nfr\tcheck_in\tje veux m'enregistrer\nde\tcheck_in\tich möchte einchecken\n"
	if err := os.WriteFile(file, []byte(set), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	cfg := Config{Languages: []domain.Lang{"en", "fr"}}
	if err := understandCommand(cfg, []string{"--eval", file}, strings.NewReader(""), &out, &errs); err != nil {
		t.Fatalf("eval: %v (%s)", err, errs.String())
	}
	for _, want := range []string{"messages: 3\n", "intent accuracy: 100.0% (3/3)", "transactional precision: 100.0% (1/1)", "models: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// The real binary reads messages from its standard input.
func TestBinaryUnderstandsStdin(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary(t), "understand", "--lang", "fr")
	cmd.Env = []string{"SKYBRIDGE_LANGUAGES=en,fr,nl,de,es,pt", "HOME=" + t.TempDir()}
	cmd.Stdin = strings.NewReader("je veux annuler ma réservation\nmerci\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skybridge understand: %v", err)
	}
	us := understandLines(t, string(out))
	if len(us) != 2 || us[0].Intent != "cancel_booking" || us[0].Lang != "fr" || us[1].Intent != "thanks" {
		t.Errorf("got %s", out)
	}
}
