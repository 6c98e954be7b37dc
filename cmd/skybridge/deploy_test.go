package main

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The deployment material in docs/deploy (Dockerfile, systemd unit, environment
// example) is checked here against the code it deploys: the Go version of go.mod,
// the package that is the command, the variables LoadConfig reads and the
// shutdown deadline it defaults to. Nothing here needs Docker; the image is built
// only when a Docker daemon answers, outside CI and without -short.

const deployRoot = "../.."

var deployDir = filepath.Join(deployRoot, "docs", "deploy")

func deployRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ---- Configuration, from the code itself ----

// deployConfigVars returns every SKYBRIDGE_* variable the binary reads: the names
// LoadConfig asks its getenv for, and, in case one is read only on some path, every
// name passed to a getenv in the command's source.
func deployConfigVars(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	LoadConfig(func(k string) string {
		seen[k] = true
		return ""
	})
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?i:getenv|lookupenv)\(\s*"(SKYBRIDGE_[A-Z0-9_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	var out []string
	for k := range seen {
		if !strings.HasPrefix(k, "SKYBRIDGE_") {
			t.Errorf("LoadConfig reads %s: not a SKYBRIDGE_* variable", k)
		}
		out = append(out, k)
	}
	slices.Sort(out)
	if len(out) < 10 {
		t.Fatalf("only %d variables found (%v): the scan is not looking at config.go", len(out), out)
	}
	return out
}

// deploySecrets reports which variables are secrets: those Config.String masks,
// and any whose name says so.
func deploySecrets(vars []string) map[string]bool {
	const probe = "deploy-probe-value"
	secret := map[string]bool{}
	for _, v := range vars {
		c, _ := LoadConfig(func(k string) string {
			if k == v {
				return probe
			}
			return ""
		})
		for _, line := range strings.Split(c.String(), "\n") {
			if strings.HasPrefix(line, v+"=") && strings.Contains(line, "*****") {
				secret[v] = true
			}
		}
		for _, word := range []string{"SECRET", "TOKEN", "PASSWORD", "API_KEY", "DATA_KEYS"} {
			if strings.Contains(v, word) {
				secret[v] = true
			}
		}
	}
	return secret
}

func deployDefaults(t *testing.T) Config {
	t.Helper()
	c, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	return c
}

// ---- env.example ----

type deployEnvLine struct {
	line       int
	key, value string
}

// deployParseEnv reads an environment file in the subset both systemd's
// EnvironmentFile= and docker run --env-file read alike.
func deployParseEnv(t *testing.T, text string) []deployEnvLine {
	t.Helper()
	var out []deployEnvLine
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		switch {
		case !ok:
			t.Errorf("env.example:%d: %q is not KEY=value", n, line)
			continue
		case strings.HasPrefix(k, "export "):
			t.Errorf("env.example:%d: no `export`: docker --env-file would not read it", n)
		case k != strings.TrimSpace(k) || strings.HasPrefix(v, " "):
			t.Errorf("env.example:%d: spaces around '=': docker --env-file keeps them", n)
		case strings.ContainsAny(v, `"'`):
			t.Errorf("env.example:%d: quotes: docker --env-file keeps them in the value", n)
		case strings.Contains(v, "#"):
			t.Errorf("env.example:%d: '#' in a value: comments belong on their own line", n)
		}
		out = append(out, deployEnvLine{n, strings.TrimSpace(k), v})
	}
	return out
}

func deployExampleEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, l := range deployParseEnv(t, deployRead(t, "env.example")) {
		if _, dup := env[l.key]; dup {
			t.Errorf("env.example:%d: %s given twice", l.line, l.key)
		}
		env[l.key] = l.value
	}
	return env
}

func TestDeployEnvExampleListsExactlyTheConfiguration(t *testing.T) {
	vars := deployConfigVars(t)
	env := deployExampleEnv(t)
	for _, v := range vars {
		if _, ok := env[v]; !ok {
			t.Errorf("%s is read by the configuration but missing from docs/deploy/env.example", v)
		}
	}
	for k := range env {
		if !slices.Contains(vars, k) {
			t.Errorf("docs/deploy/env.example sets %s, which the configuration never reads", k)
		}
	}

	secrets := deploySecrets(vars)
	for _, v := range []string{"SKYBRIDGE_DATA_KEYS", "SKYBRIDGE_WHATSAPP_APP_SECRET"} {
		if slices.Contains(vars, v) && !secrets[v] {
			t.Errorf("%s not recognised as a secret: the secret detection is broken", v)
		}
	}
	for v := range secrets {
		if env[v] != "" {
			t.Errorf("env.example gives the secret %s a value: leave secrets empty", v)
		}
	}

	// The example, once its secrets are filled in, is a valid production
	// configuration: PostgreSQL, a public HTTPS URL, no demo airline.
	filled := func(k string) string {
		if k == "SKYBRIDGE_DATA_KEYS" {
			return domain.NewKey("deploy")
		}
		return env[k]
	}
	c, err := LoadConfig(filled)
	if err != nil {
		t.Fatalf("env.example with a data key does not validate:\n%v", err)
	}
	if !isPostgres(c.DatabaseURL) {
		t.Errorf("env.example: SKYBRIDGE_DATABASE_URL %q is not PostgreSQL, which several instances need", c.DatabaseURL)
	}
	if !strings.HasPrefix(c.PublicURL, "https://") {
		t.Errorf("env.example: SKYBRIDGE_PUBLIC_URL %q is not HTTPS: Meta's webhooks need one", c.PublicURL)
	}
	if c.Demo {
		t.Error("env.example: SKYBRIDGE_DEMO must be false in production")
	}
}

// ---- Dockerfile ----

type deployInstr struct {
	line int
	cmd  string // upper case
	args string
}

type deployStage struct {
	image, name string
	instrs      []deployInstr
}

func deployParseDockerfile(t *testing.T, text string) (args map[string]string, stages []*deployStage) {
	t.Helper()
	args = map[string]string{}
	var cur strings.Builder
	start := 0
	var instrs []deployInstr
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, rest, _ := strings.Cut(cur.String(), " ")
		instrs = append(instrs, deployInstr{start, strings.ToUpper(cmd), strings.TrimSpace(rest)})
		cur.Reset()
	}
	for _, in := range instrs {
		switch {
		case in.cmd == "ARG" && len(stages) == 0:
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			f = slices.DeleteFunc(f, func(s string) bool { return strings.HasPrefix(s, "--") })
			st := &deployStage{image: os.Expand(f[0], func(k string) string { return args[k] })}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
		case len(stages) > 0:
			stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile: %d stages, want a build stage and a runtime stage", len(stages))
	}
	return args, stages
}

// deployShellWords splits a shell command line into words, honouring quotes.
func deployShellWords(s string) []string {
	var out []string
	var w strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, w.String())
	}
	return out
}

// deployGoBuild is the go build command of a RUN instruction.
type deployGoBuild struct {
	env    []string // KEY=VALUE before go
	flags  []string // everything after "go build"
	out    string   // the -o path
	pkg    string   // the package built
	stage  *deployStage
	instr  deployInstr
	oIndex int
}

func deployFindGoBuild(t *testing.T, stages []*deployStage) deployGoBuild {
	t.Helper()
	for _, st := range stages {
		for _, in := range st.instrs {
			if in.cmd != "RUN" {
				continue
			}
			words := deployShellWords(in.args)
			for i := 0; i+1 < len(words); i++ {
				if words[i] != "go" || words[i+1] != "build" {
					continue
				}
				b := deployGoBuild{stage: st, instr: in}
				for j := i - 1; j >= 0 && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(words[j]); j-- {
					b.env = append(b.env, words[j])
				}
				for _, w := range words[i+2:] {
					if w == "&&" || w == ";" || w == "||" {
						break
					}
					b.flags = append(b.flags, w)
				}
				for k, f := range b.flags {
					if f == "-o" && k+1 < len(b.flags) {
						b.out, b.oIndex = b.flags[k+1], k+1
					}
				}
				if n := len(b.flags); n > 0 && !strings.HasPrefix(b.flags[n-1], "-") {
					b.pkg = b.flags[n-1]
				}
				return b
			}
		}
	}
	t.Fatal("Dockerfile: no RUN ... go build")
	return deployGoBuild{}
}

// deployGoVersion parses "1.26", "1.26.8", "1.26.8-bookworm", "go1.26.8".
func deployGoVersion(s string) (v [3]int, patch bool, ok bool) {
	m := regexp.MustCompile(`^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?`).FindStringSubmatch(s)
	if m == nil {
		return v, false, false
	}
	v[0], _ = strconv.Atoi(m[1])
	v[1], _ = strconv.Atoi(m[2])
	if m[3] != "" {
		v[2], _ = strconv.Atoi(m[3])
		patch = true
	}
	return v, patch, true
}

func deployCmp(a, b [3]int) int { return slices.Compare(a[:], b[:]) }

// deployGoMod returns the Go the module needs: its go directive, or its toolchain
// directive when that is newer (the golang images set GOTOOLCHAIN=local).
func deployGoMod(t *testing.T) (need [3]int, directive string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go\s+(\S+)\s*$`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	need, _, ok := deployGoVersion(m[1])
	if !ok {
		t.Fatalf("go.mod: go directive %q", m[1])
	}
	if tc := regexp.MustCompile(`(?m)^toolchain\s+(\S+)\s*$`).FindStringSubmatch(string(b)); tc != nil {
		if v, _, ok := deployGoVersion(tc[1]); ok && deployCmp(v, need) > 0 {
			need = v
		}
	}
	return need, m[1]
}

func deployJSONArray(t *testing.T, instr deployInstr) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(instr.args), &out); err != nil {
		t.Errorf("Dockerfile:%d: %s %s: want the exec (JSON) form, which needs no shell", instr.line, instr.cmd, instr.args)
	}
	return out
}

func TestDeployDockerfile(t *testing.T) {
	_, stages := deployParseDockerfile(t, deployRead(t, "Dockerfile"))

	// The Go of the build image is the Go of go.mod.
	need, directive := deployGoMod(t)
	var goImage string
	for _, st := range stages {
		if strings.HasPrefix(st.image, "golang:") {
			goImage = st.image
		}
	}
	if goImage == "" {
		t.Fatal("Dockerfile: no golang:<version> build stage")
	}
	v, patch, ok := deployGoVersion(strings.TrimPrefix(goImage, "golang:"))
	switch {
	case !ok:
		t.Errorf("Dockerfile: %s does not name a Go version", goImage)
	case v[0] != need[0] || v[1] != need[1]:
		t.Errorf("Dockerfile: %s, but go.mod says go %s: use golang:%d.%d", goImage, directive, need[0], need[1])
	case patch && deployCmp(v, need) < 0:
		t.Errorf("Dockerfile: %s is older than go.mod's go %s: with GOTOOLCHAIN=local the build fails", goImage, directive)
	}

	// The build stage builds this package, statically, without machine paths.
	b := deployFindGoBuild(t, stages)
	wd, _ := os.Getwd()
	if abs, _ := filepath.Abs(filepath.Join(deployRoot, b.pkg)); b.pkg == "" || abs != wd {
		t.Errorf("Dockerfile:%d: go build builds %q, want ./cmd/skybridge (this package)", b.instr.line, b.pkg)
	}
	if !slices.Contains(b.env, "CGO_ENABLED=0") {
		t.Errorf("Dockerfile:%d: go build without CGO_ENABLED=0: the binary would not be static", b.instr.line)
	}
	if !slices.Contains(b.flags, "-trimpath") {
		t.Errorf("Dockerfile:%d: go build without -trimpath", b.instr.line)
	}
	if b.out == "" {
		t.Fatalf("Dockerfile:%d: go build without -o", b.instr.line)
	}
	var workdir string
	for _, in := range b.stage.instrs {
		if in.cmd == "WORKDIR" {
			workdir = in.args
		}
		if in.cmd == "COPY" && strings.Fields(in.args)[0] == "." && workdir == "" {
			t.Errorf("Dockerfile:%d: COPY . without a WORKDIR", in.line)
		}
	}

	// The runtime stage: the binary at /skybridge, run as the entrypoint with serve.
	final := stages[len(stages)-1]
	if final.image != "scratch" && !strings.Contains(final.image, "distroless") {
		t.Errorf("Dockerfile: runtime image %s: want scratch or distroless", final.image)
	}
	var copied, certs bool
	var entry, cmd, user []string
	var exposed []string
	for _, in := range final.instrs {
		switch in.cmd {
		case "COPY":
			f := strings.Fields(in.args)
			from := ""
			f = slices.DeleteFunc(f, func(s string) bool {
				if strings.HasPrefix(s, "--from=") {
					from = strings.TrimPrefix(s, "--from=")
				}
				return strings.HasPrefix(s, "--")
			})
			if from == b.stage.name && slices.Contains(f[:len(f)-1], b.out) && f[len(f)-1] == "/skybridge" {
				copied = true
			}
			if strings.Contains(in.args, "/etc/ssl/certs") {
				certs = true
			}
		case "ENTRYPOINT":
			entry = deployJSONArray(t, in)
		case "CMD":
			cmd = deployJSONArray(t, in)
		case "USER":
			user = append(user, in.args)
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		case "HEALTHCHECK":
			if !strings.EqualFold(in.args, "NONE") {
				t.Errorf("Dockerfile:%d: HEALTHCHECK needs a shell or curl the image does not have: probe /healthz from the orchestrator", in.line)
			}
		}
	}
	if !copied {
		t.Errorf("Dockerfile: the runtime stage does not COPY --from=%s %s /skybridge", b.stage.name, b.out)
	}
	if !certs {
		t.Error("Dockerfile: no CA certificates in the runtime image: TLS to the Graph API would fail")
	}
	if !slices.Equal(entry, []string{"/skybridge"}) {
		t.Errorf("Dockerfile: ENTRYPOINT %q, want [\"/skybridge\"]", entry)
	}
	if !slices.Equal(cmd, []string{"serve"}) {
		t.Errorf("Dockerfile: CMD %q, want [\"serve\"]", cmd)
	}
	if !strings.Contains(errUsage.Error(), "serve") {
		t.Error("serve is no longer a subcommand")
	}
	if len(user) == 0 {
		t.Error("Dockerfile: no USER: the service would run as root")
	} else if u := strings.Split(user[len(user)-1], ":")[0]; u == "0" || u == "root" {
		t.Errorf("Dockerfile: USER %s is root", user[len(user)-1])
	}
	port := strings.TrimPrefix(portOf(deployDefaults(t).Addr), ":")
	if !slices.Contains(exposed, port) && !slices.Contains(exposed, port+"/tcp") {
		t.Errorf("Dockerfile: EXPOSE %v, but the service listens on %s by default", exposed, port)
	}
	if ex := deployExampleEnv(t)["SKYBRIDGE_ADDR"]; ex != "" && portOf(ex) != ":"+port {
		t.Errorf("env.example: SKYBRIDGE_ADDR %s, but the Dockerfile exposes %s", ex, port)
	}
}

// TestDeployBinaryAsTheImageRunsIt builds the command with the Dockerfile's own go
// build flags, checks that the result is static (it must run on an empty image)
// and that the zone database is inside it (the image has no zoneinfo), then runs
// ENTRYPOINT + CMD in an empty working directory the way the image does, with the
// defaults, probes /healthz and /readyz and stops it with SIGTERM.
func TestDeployBinaryAsTheImageRunsIt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	deps, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, deps)
	}
	if !slices.Contains(strings.Fields(string(deps)), "time/tzdata") {
		t.Error(`the binary does not embed time/tzdata: airport time zones need /usr/share/zoneinfo, which the scratch image lacks (add import _ "time/tzdata" or copy zoneinfo in the Dockerfile)`)
	}

	_, stages := deployParseDockerfile(t, deployRead(t, "Dockerfile"))
	b := deployFindGoBuild(t, stages)
	dir := t.TempDir()
	bin := filepath.Join(dir, "skybridge")
	flags := slices.Clone(b.flags)
	flags[b.oIndex] = bin
	build := exec.Command(goTool, append([]string{"build"}, flags...)...)
	build.Dir = deployRoot
	build.Env = os.Environ()
	for _, kv := range b.env {
		if !strings.Contains(kv, "$") { // GOOS=${TARGETOS}: this machine's
			build.Env = append(build.Env, kv)
		}
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(flags, " "), err, out)
	}
	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the binary has an ELF interpreter: it is dynamically linked and will not start on scratch")
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("the binary links %v: it will not start on scratch", libs)
		}
		f.Close()
	}

	// ENTRYPOINT + CMD, in an empty working directory as /data is.
	var entry, cmdArgs []string
	for _, in := range stages[len(stages)-1].instrs {
		switch in.cmd {
		case "ENTRYPOINT":
			entry = deployJSONArray(t, in)
		case "CMD":
			cmdArgs = deployJSONArray(t, in)
		}
	}
	if len(entry) == 0 {
		t.Fatal("Dockerfile: no ENTRYPOINT")
	}
	work := filepath.Join(dir, "data")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	proc := exec.Command(bin, append(entry[1:], cmdArgs...)...)
	proc.Dir = work
	proc.Env = []string{"HOME=" + work, "SKYBRIDGE_ADDR=127.0.0.1:0", "SKYBRIDGE_LOG_FORMAT=json"}
	stderr, err := proc.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &deployLog{}
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.add(sc.Text())
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "skybridge serving" {
				addr <- rec.Addr
			}
		}
		done <- proc.Wait()
	}()
	t.Cleanup(func() {
		if proc.ProcessState == nil {
			proc.Process.Kill()
			<-done
		}
	})
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("exited before serving: %v\n%s", err, logs.String())
	case <-time.After(90 * time.Second):
		t.Fatal("not serving after 90s")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	for _, f := range []string{"skybridge.db", "skybridge.key"} {
		if fi, err := os.Stat(filepath.Join(work, f)); err != nil {
			t.Errorf("the SQLite default did not write %s in the working directory: %v", f, err)
		} else if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", f, fi.Mode().Perm())
		}
	}

	// SIGTERM: a clean exit well within the unit's TimeoutStopSec.
	stop := deployStopTimeout(t)
	proc.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(stop):
		t.Fatalf("still running %v after SIGTERM, systemd would SIGKILL it:\n%s", stop, logs.String())
	}
}

// ---- systemd unit ----

type deployUnit map[string]map[string][]string

func deployParseUnit(t *testing.T, text string) deployUnit {
	t.Helper()
	u := deployUnit{}
	section := ""
	var cont strings.Builder
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if cont.Len() == 0 && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cont.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cont.WriteString(line)
		line = cont.String()
		cont.Reset()
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				t.Fatalf("skybridge.service:%d: bad section header %q", i+1, line)
			}
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("skybridge.service:%d: %q is not key=value in a section", i+1, line)
		}
		u[section][strings.TrimSpace(k)] = append(u[section][strings.TrimSpace(k)], strings.TrimSpace(v))
	}
	return u
}

func (u deployUnit) last(section, key string) (string, bool) {
	v := u[section][key]
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

// deploySystemdSpan parses a systemd time span: "30", "30s", "1min 30s", "500ms".
func deploySystemdSpan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "infinity" {
		return 1<<63 - 1, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	units := map[string]time.Duration{
		"us": time.Microsecond, "usec": time.Microsecond, "ms": time.Millisecond, "msec": time.Millisecond,
		"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
		"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
	}
	re := regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)`)
	var total time.Duration
	for rest := s; strings.TrimSpace(rest) != ""; {
		m := re.FindStringSubmatch(rest)
		if m == nil || units[m[2]] == 0 {
			return 0, fmt.Errorf("%q is not a systemd time span", s)
		}
		n, _ := strconv.ParseFloat(m[1], 64)
		total += time.Duration(n * float64(units[m[2]]))
		rest = rest[len(m[0]):]
	}
	return total, nil
}

func deployStopTimeout(t *testing.T) time.Duration {
	t.Helper()
	u := deployParseUnit(t, deployRead(t, "skybridge.service"))
	v, ok := u.last("Service", "TimeoutStopSec")
	if !ok {
		t.Fatal("skybridge.service: no TimeoutStopSec")
	}
	d, err := deploySystemdSpan(v)
	if err != nil {
		t.Fatalf("skybridge.service: TimeoutStopSec: %v", err)
	}
	return d
}

func TestDeploySystemdUnit(t *testing.T) {
	text := deployRead(t, "skybridge.service")
	u := deployParseUnit(t, text)
	for _, s := range []string{"Unit", "Service", "Install"} {
		if u[s] == nil {
			t.Errorf("skybridge.service: no [%s] section", s)
		}
	}

	exec0, ok := u.last("Service", "ExecStart")
	f := strings.Fields(strings.TrimLeft(exec0, "-@:+!"))
	if !ok || len(f) < 2 || !filepath.IsAbs(f[0]) || filepath.Base(f[0]) != "skybridge" || f[len(f)-1] != "serve" {
		t.Errorf("skybridge.service: ExecStart=%s, want /absolute/path/skybridge serve", exec0)
	}
	want := map[string]string{
		"Type":            "simple", // no sd_notify in the binary
		"EnvironmentFile": "/etc/skybridge/env",
		"ProtectSystem":   "strict",
		"ProtectHome":     "yes",
		"PrivateTmp":      "yes",
		"NoNewPrivileges": "yes",
		"Restart":         "on-failure",
		"KillSignal":      "SIGTERM",
	}
	for k, w := range want {
		if v, _ := u.last("Service", k); strings.TrimPrefix(v, "-") != w {
			t.Errorf("skybridge.service: %s=%s, want %s", k, v, w)
		}
	}
	if v, ok := u.last("Service", "CapabilityBoundingSet"); !ok || v != "" {
		t.Errorf("skybridge.service: CapabilityBoundingSet=%q, want it empty (no capabilities)", v)
	}
	if v, _ := u.last("Service", "RestrictAddressFamilies"); !slices.Equal(strings.Fields(v), []string{"AF_INET", "AF_INET6", "AF_UNIX"}) {
		t.Errorf("skybridge.service: RestrictAddressFamilies=%s, want AF_INET AF_INET6 AF_UNIX", v)
	}
	if v, ok := u.last("Service", "LimitNOFILE"); !ok || v == "" {
		t.Error("skybridge.service: no LimitNOFILE")
	}
	dyn, _ := u.last("Service", "DynamicUser")
	usr, _ := u.last("Service", "User")
	if dyn != "yes" && dyn != "true" && (usr == "" || usr == "root" || usr == "0") {
		t.Error("skybridge.service: neither DynamicUser=yes nor a dedicated User=: it would run as root")
	}
	if v, _ := u.last("Install", "WantedBy"); v == "" {
		t.Error("skybridge.service: [Install] has no WantedBy")
	}

	// The stop timeout outlasts the shutdown deadline, the default one and the
	// example's.
	stop := deployStopTimeout(t)
	def := deployDefaults(t).ShutdownMax
	if stop <= def {
		t.Errorf("skybridge.service: TimeoutStopSec %v is not longer than the default SKYBRIDGE_SHUTDOWN_TIMEOUT %v: systemd would SIGKILL a graceful shutdown", stop, def)
	}
	env := deployExampleEnv(t)
	env["SKYBRIDGE_DATA_KEYS"] = domain.NewKey("deploy")
	if c, err := LoadConfig(func(k string) string { return env[k] }); err == nil && stop <= c.ShutdownMax {
		t.Errorf("skybridge.service: TimeoutStopSec %v is not longer than env.example's SKYBRIDGE_SHUTDOWN_TIMEOUT %v", stop, c.ShutdownMax)
	}

	// systemd's own checker, on a copy that starts a binary that exists.
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not on PATH: systemd's own verification skipped")
		return
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyText := regexp.MustCompile(`(?m)^ExecStart=.*$`).ReplaceAllString(text, "ExecStart="+self+" serve")
	unit := filepath.Join(t.TempDir(), "skybridge.service")
	if err := os.WriteFile(unit, []byte(copyText), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, analyze, "verify", unit).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	} else if len(out) > 0 {
		t.Logf("systemd-analyze verify:\n%s", out)
	}
}

// TestDeployDocsNameRealVariables keeps the prose honest: every SKYBRIDGE_* name
// in docs/deploy is one the configuration reads.
func TestDeployDocsNameRealVariables(t *testing.T) {
	vars := deployConfigVars(t)
	re := regexp.MustCompile(`SKYBRIDGE_[A-Z0-9_]*[A-Z0-9]`)
	for _, name := range []string{"README.md", "Dockerfile", "skybridge.service", "env.example"} {
		reported := map[string]bool{}
		for _, v := range re.FindAllString(deployRead(t, name), -1) {
			if !slices.Contains(vars, v) && !reported[v] {
				reported[v] = true
				t.Errorf("docs/deploy/%s mentions %s, which the configuration does not read", name, v)
			}
		}
	}
}

// TestDeployDockerBuild builds the image when a Docker daemon answers. It is slow
// (a full module download and build), so it is skipped in CI and with -short.
func TestDeployDockerBuild(t *testing.T) {
	docker, err := exec.LookPath("docker")
	switch {
	case err != nil:
		t.Skip("docker not on PATH")
	case os.Getenv("CI") != "":
		t.Skip("CI: image build skipped (too slow); the Dockerfile is checked by TestDeployDockerfile")
	case testing.Short():
		t.Skip("-short: image build skipped")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, docker, "info").CombinedOutput(); err != nil {
		t.Skipf("no Docker daemon: %v\n%s", err, deployTail(out))
	}
	tag := fmt.Sprintf("skybridge-deploy-test:%d", os.Getpid())
	build := exec.CommandContext(ctx, docker, "build", "-f", filepath.Join("docs", "deploy", "Dockerfile"), "-t", tag, ".")
	build.Dir = deployRoot
	build.Env = append(os.Environ(), "DOCKER_BUILDKIT=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, deployTail(out))
	}
	t.Cleanup(func() { exec.Command(docker, "rmi", "-f", tag).Run() })

	out, err := exec.CommandContext(ctx, docker, "image", "inspect", "--format", "{{json .Config}}", tag).Output()
	if err != nil {
		t.Fatalf("docker image inspect: %v", err)
	}
	var cfg struct {
		User         string
		Entrypoint   []string
		Cmd          []string
		ExposedPorts map[string]any
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	if u := strings.Split(cfg.User, ":")[0]; u == "" || u == "0" || u == "root" {
		t.Errorf("image runs as %q", cfg.User)
	}
	if !slices.Equal(cfg.Entrypoint, []string{"/skybridge"}) || !slices.Equal(cfg.Cmd, []string{"serve"}) {
		t.Errorf("image entrypoint %q cmd %q", cfg.Entrypoint, cfg.Cmd)
	}
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("image exposes %v", cfg.ExposedPorts)
	}
	// The binary starts in the image (static, finds its files) and reads its
	// configuration.
	out, err = exec.CommandContext(ctx, docker, "run", "--rm", tag, "config").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SKYBRIDGE_ADDR=:8080") {
		t.Errorf("docker run %s config: %v\n%s", tag, err, out)
	}
}

// deployLog collects a process's log lines for failure messages.
type deployLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *deployLog) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }

func (l *deployLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func deployTail(b []byte) string {
	const max = 4000
	if len(b) > max {
		return "…" + string(b[len(b)-max:])
	}
	return string(b)
}
