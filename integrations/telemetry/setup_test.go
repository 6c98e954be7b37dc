package telemetry_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/integrations/telemetry"
)

// serve starts the metrics handler on a real socket.
func serve(t *testing.T, m *telemetry.Metrics, token string) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler(token))
	t.Cleanup(srv.Close)
	return srv.URL
}

// scrape fetches the metrics as Prometheus does, with a bearer token when one
// is given, and returns the status and the body.
func scrape(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sample returns the value of one series ("name{labels}") of a scrape, and
// whether it is there.
func sample(body, series string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v, true
		}
	}
	return "", false
}

func expectSample(t *testing.T, body, series, want string) {
	t.Helper()
	got, ok := sample(body, series)
	if !ok {
		t.Fatalf("no series %s in:\n%s", series, grepPrefix(body, strings.SplitN(series, "{", 2)[0]))
	}
	if got != want {
		t.Fatalf("%s = %s, want %s", series, got, want)
	}
}

// grepPrefix keeps the lines of one metric, for failure messages.
func grepPrefix(body, name string) string {
	var b strings.Builder
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, name) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
