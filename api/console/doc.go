// Package console holds the staff console's server-rendered templates, its
// stylesheet and its vendored scripts, embedded in the binary. The handlers live
// in package api; this package is only the files.
package console
