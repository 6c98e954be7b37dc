package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/store"
)

var _ api.ConsoleStore = (*store.Store)(nil)

// staffCommand runs `skybridge staff add --role ROLE NAME` and `staff list`.
//
// add reads the password from the first line of standard input when it is a pipe
// or a file; when it is a terminal (which cannot hide what is typed without a
// terminal library), or with --generate, it generates a password and prints it
// once. Only the argon2id hash is stored.
func staffCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	usage := errors.New("usage: skybridge staff add --role ROLE [--generate] NAME | staff list")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "add":
		role, name, generate := domain.RoleViewer, "", false
		rest := args[1:]
		for i := 0; i < len(rest); i++ {
			switch {
			case rest[i] == "--role" && i+1 < len(rest):
				r, err := domain.ParseStaffRole(rest[i+1])
				if err != nil {
					return err
				}
				role = r
				i++
			case strings.HasPrefix(rest[i], "--role="):
				r, err := domain.ParseStaffRole(strings.TrimPrefix(rest[i], "--role="))
				if err != nil {
					return err
				}
				role = r
			case rest[i] == "--generate":
				generate = true
			case name == "" && rest[i] != "" && rest[i][0] != '-':
				name = rest[i]
			default:
				return usage
			}
		}
		if name == "" {
			return usage
		}
		if _, err := domain.ParseStaffName(name); err != nil {
			return err
		}
		password, generated, err := staffPassword(stdin, generate)
		if err != nil {
			return err
		}
		hash, err := api.HashPassword(password)
		if err != nil {
			return err
		}
		a, err := open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer a.close()
		st, err := a.store.AddStaff(ctx, name, role, hash, domain.AuditEntry{Actor: "cli", Action: domain.AuditStaffAdd,
			Detail: "role " + string(role) + " (command line)"})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "staff %s added with role %s\n", st.Name, st.Role)
		if generated {
			// Shown once; only its hash is kept.
			fmt.Fprintf(stdout, "password: %s\n", password)
		}
		return nil
	case "list":
		if len(args) != 1 {
			return usage
		}
		a, err := open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer a.close()
		list, err := a.store.StaffList(ctx)
		if err != nil {
			return err
		}
		for _, st := range list {
			state := "active"
			if !st.Active() {
				state = "disabled " + st.DisabledAt.Format(time.DateTime)
			}
			fmt.Fprintf(stdout, "%-24s %-10s %s %s\n", st.Name, st.Role, st.CreatedAt.Format(time.DateTime), state)
		}
		return nil
	}
	return usage
}

// staffPassword reads the password from stdin's first line, or generates one when
// asked to or when stdin is a terminal.
func staffPassword(stdin io.Reader, generate bool) (password string, generated bool, err error) {
	if f, ok := stdin.(*os.File); ok && !generate {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			generate = true
		}
	}
	if generate {
		return api.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	password = strings.TrimRight(line, "\r\n")
	if password == "" {
		return api.GeneratePassword(), true, nil
	}
	if len(password) < api.MinPasswordLen {
		return "", false, domain.Errorf(domain.Invalid, "read password", "a password has at least %d characters", api.MinPasswordLen)
	}
	return password, false, nil
}
