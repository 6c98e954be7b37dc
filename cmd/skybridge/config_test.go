package main

import (
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestConfigDefaultsRunTheEmbeddedDefault(t *testing.T) {
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "skybridge.db" || !c.Demo || len(c.Languages) != 12 || c.WhatsApp.Enabled() || c.Messenger.Enabled() {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	_, err := LoadConfig(env(map[string]string{
		"SKYBRIDGE_WORKERS":             "many",
		"SKYBRIDGE_LANGUAGES":           "en,xx",
		"SKYBRIDGE_DEMO":                "perhaps",
		"SKYBRIDGE_WHATSAPP_APP_SECRET": "s3cret",
		"SKYBRIDGE_DATABASE_URL":        "postgres://db/sky",
		"SKYBRIDGE_LOG_FORMAT":          "xml",
		"SKYBRIDGE_MESSENGER_APP_ID":    "my-app",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"SKYBRIDGE_WORKERS", "SKYBRIDGE_LANGUAGES", "SKYBRIDGE_DEMO", "SKYBRIDGE_WHATSAPP_", "SKYBRIDGE_DATA_KEYS", "SKYBRIDGE_LOG_FORMAT", "SKYBRIDGE_MESSENGER_APP_ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestConfigPrintsSecretsMasked(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{
		"SKYBRIDGE_WHATSAPP_APP_SECRET": "app-s3cret", "SKYBRIDGE_WHATSAPP_VERIFY_TOKEN": "verify-s3cret",
		"SKYBRIDGE_WHATSAPP_ACCESS_TOKEN": "token-s3cret", "SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID": "1001",
		"SKYBRIDGE_DATA_KEYS":    "k1:" + strings.Repeat("A", 43) + "=",
		"SKYBRIDGE_DATABASE_URL": "postgres://app:pw-s3cret@db:5432/sky",
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := c.String()
	if strings.Contains(out, "s3cret") || strings.Contains(out, strings.Repeat("A", 43)) {
		t.Fatalf("secret printed:\n%s", out)
	}
	if !strings.Contains(out, "SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID=1001") || !strings.Contains(out, "k1:*****") {
		t.Fatalf("non-secret values missing:\n%s", out)
	}
}
