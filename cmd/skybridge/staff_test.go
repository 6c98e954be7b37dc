package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaffCommand: `staff add` takes the password from standard input (never
// printing it), refuses a short one and a machine-only role, generates one when
// none is given, and `staff list` shows the accounts with their roles.
func TestStaffCommand(t *testing.T) {
	env := []string{"SKYBRIDGE_DATABASE_URL=" + filepath.Join(t.TempDir(), "sky.db")}
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(binary(t), args...)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String() + errb.String(), err
	}
	out, err := run("correct horse battery\n", "staff", "add", "--role", "publisher", "Paul")
	if err != nil || !strings.Contains(out, "staff paul added with role publisher") || strings.Contains(out, "correct horse") {
		t.Fatalf("add with a piped password: %v\n%s", err, out)
	}
	if out, err := run("short\n", "staff", "add", "--role", "editor", "eve"); err == nil || !strings.Contains(out, "at least 12 characters") {
		t.Fatalf("short password: %v %s", err, out)
	}
	if out, err := run("", "staff", "add", "--role", "ops", "bot"); err == nil || !strings.Contains(out, "machine clients only") {
		t.Fatalf("role ops: %v %s", err, out)
	}
	if out, err := run("correct horse battery\n", "staff", "add", "--role", "admin", "paul"); err == nil || !strings.Contains(out, "exists already") {
		t.Fatalf("same name: %v %s", err, out)
	}
	out, err = run("", "staff", "add", "--role", "admin", "ana")
	if err != nil || !passwordLine.MatchString(out) || len(passwordLine.FindStringSubmatch(out)[1]) < 20 {
		t.Fatalf("generated password: %v %s", err, out)
	}
	out, err = run("", "staff", "list")
	if err != nil || !strings.Contains(out, "ana") || !strings.Contains(out, "publisher") || !strings.Contains(out, "active") {
		t.Fatalf("list: %v %s", err, out)
	}
}
