package webtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// TabTimeout bounds everything a test does in one tab, so that a page that never shows
// what a test waits for fails the test instead of hanging it.
const TabTimeout = 20 * time.Second

// ExecPath returns the Chromium executable to launch: ChromiumPath when it exists, else
// chromium on the PATH. It returns an error when neither is there.
func ExecPath() (string, error) {
	if _, err := os.Stat(ChromiumPath); err == nil {
		return ChromiumPath, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("chromium not installed (apt-get install chromium chromium-driver)")
}

// Browser starts a headless Chromium with a fresh profile for the test and returns its
// context; the browser stops when the test ends. Open pages with Tab. When Chromium is
// missing, Browser skips the test, or fails it when the environment has CI=true.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path, err := ExecPath()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("webtest: %v", err)
		}
		t.Skipf("webtest: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser; its context has no deadline, as the
	// browser lives as long as the context of that first call.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("webtest: start %s: %v", path, err)
	}
	return ctx
}

// Tab opens a new tab of the browser in a browser context of its own (separate
// cookies and storage) and returns a context for it, limited to TabTimeout. The tab
// closes when the test ends. The page's console goes to the test log, and an uncaught
// JavaScript exception fails the test.
func Tab(t testing.TB, browser context.Context) context.Context {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(tabCtx); err != nil {
		cancel()
		t.Fatalf("webtest: open tab: %v", err)
	}
	messages := chromedp.Console(tabCtx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				t.Errorf("webtest: uncaught exception in page: %s", m)
				continue
			}
			t.Logf("webtest: console.%s: %s", m.Type, m)
		}
	})
	ctx, cancelTimeout := context.WithTimeout(tabCtx, TabTimeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		wg.Wait() // no logging after the test has ended
	})
	return ctx
}

// Screenshot saves a PNG of the tab's page at width×height CSS pixels (device scale 2)
// as name.png in the directory named by SKYBRIDGE_ARTIFACTS; without that variable it
// saves nothing. Below 600 pixels wide it emulates a touch phone. The tab keeps the
// emulated viewport afterwards.
func Screenshot(t testing.TB, ctx context.Context, name string, width, height int64) {
	t.Helper()
	dir := os.Getenv("SKYBRIDGE_ARTIFACTS")
	if dir == "" {
		return
	}
	viewport := []chromedp.EmulateViewportOption{chromedp.EmulateScale(2)}
	if width < 600 {
		viewport = append(viewport, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(width, height, viewport...),
		chromedp.Sleep(300*time.Millisecond), // let layout and smooth scrolling settle
	); err != nil {
		t.Fatalf("webtest: viewport %dx%d: %v", width, height, err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("webtest: screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("webtest: %v", err)
	}
	file := filepath.Join(dir, safeName(name)+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatalf("webtest: %v", err)
	}
	t.Logf("webtest: screenshot %s", file)
}

// safeName keeps a screenshot name to letters, digits, dash and underscore.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, name)
}

// Eval runs a JavaScript expression in the tab and returns its result decoded as T.
// It fails the test on error.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("webtest: eval %s: %v", expr, err)
	}
	return v
}

// WaitJS waits until a JavaScript expression is true in the tab, polling every
// 50 ms, and fails the test with what when it does not become true in time.
func WaitJS(t testing.TB, ctx context.Context, expr, what string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("webtest: waiting for %s (%s): %v", what, expr, err)
	}
}

// Do runs chromedp actions in the tab and fails the test on error.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("webtest: run actions: %v", err)
	}
}

// PressEnter presses and releases the Enter key in the focused element, as a keyboard
// does. chromedp's SendKeys with "\n" also sends a character event, which types a new
// line into a textarea even when the page cancels the key.
func PressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
				Type: typ, Key: "Enter", Code: "Enter",
				WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
			})
			if err != nil {
				return fmt.Errorf("press enter: %w", err)
			}
		}
		return nil
	})
}
