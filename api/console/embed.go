package console

import "embed"

// FS holds templates/*.html (one layout, shared partials and one file per page),
// static/ (console.css and htmx.min.js, htmx 2.0.11 under the Zero-Clause BSD
// licence, vendored unchanged) and openapi.json, the JSON API's description.
//
//go:embed templates static openapi.json
var FS embed.FS
