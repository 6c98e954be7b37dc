package demopay

import (
	_ "embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

//go:embed page.html
var pageHTML string

//go:embed page.css
var pageCSS []byte

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageData is what the page shows.
type pageData struct {
	T           text
	Lang        string
	Base        string
	ID          string
	Description string
	Amount      string
	State       string // open, paid, declined, expired, unknown
	ReturnURL   string
}

// Handler serves the checkout pages under PageURL's path: GET <path>/<id> shows
// the page, POST <path>/<id>/pay and <path>/<id>/decline settle it, and
// <path>/demo.css styles it (a file, as the service's content security policy
// allows no inline style). The page has no script and no card field.
func (p *Provider) Handler() http.Handler {
	base := "/pay"
	if u, err := url.Parse(p.pageURL); err == nil && u.Path != "" {
		base = strings.TrimRight(u.Path, "/")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, base+"/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		if rest == "demo.css" && r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.Write(pageCSS)
			return
		}
		id, action, _ := strings.Cut(rest, "/")
		switch {
		case r.Method == http.MethodGet && action == "":
			p.show(w, r, base, id)
		case r.Method == http.MethodPost && (action == "pay" || action == "decline"):
			to := statusPaid
			if action == "decline" {
				to = statusDeclined
			}
			if _, err := p.settle(r.Context(), id, to); err != nil {
				// The outcome is saved; its delivery is retried when the page is
				// next shown, and by ExpireDue.
				p.log.Error("demo checkout settled, event not delivered", "checkout", id, "err", err)
			}
			http.Redirect(w, r, base+"/"+id, http.StatusSeeOther)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (p *Provider) show(w http.ResponseWriter, r *http.Request, base, id string) {
	ctx := r.Context()
	d := pageData{Base: base, ID: id, State: "unknown", T: textFor(""), Lang: "en"}
	status := http.StatusNotFound
	if strings.HasPrefix(id, "demo_cs_") {
		if err := p.expire(ctx, id); err != nil {
			p.log.Error("demo checkout", "checkout", id, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		c, err := p.deliverOutcome(ctx, id)
		if err != nil {
			p.log.Error("demo checkout event not delivered", "checkout", id, "err", err)
		}
		if c.ID != "" {
			lang := domain.Lang(c.Lang)
			if _, ok := texts[lang]; !ok {
				lang = "en"
			}
			d.T, d.Lang, d.State = textFor(lang), string(lang), c.Status
			d.Description, d.Amount = c.Description, c.amount().String()
			d.ReturnURL = c.ReturnURL
			status = http.StatusOK
			if c.Status == statusExpired {
				status = http.StatusGone
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, d); err != nil {
		p.log.Warn("render demo checkout", "err", err)
	}
}
