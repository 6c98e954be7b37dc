// Package boardingpass draws boarding passes for travellers: the Aztec barcode that a
// gate scanner reads from a phone screen, as a PNG, and a one-page printable PDF with
// the flight details in the departure airport's local time beside the barcode.
//
// The barcode carries the pass's IATA BCBP string (see domain/bcbp) unchanged.
package boardingpass
