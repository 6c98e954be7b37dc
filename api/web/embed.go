package web

import "embed"

// FS holds the page: index.html at its root, served at "/", and its stylesheet and
// script under static/, served at "/static/". http.FileServerFS(web.FS) serves both.
//
//go:embed index.html static
var FS embed.FS
