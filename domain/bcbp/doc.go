// Package bcbp reads and writes IATA Bar Coded Boarding Pass data (Resolution 792,
// "M" format): the string that a boarding-pass barcode carries and that a gate
// scanner reads.
//
// Encode turns a domain.BoardingPass into a single-leg string with the mandatory
// items and a version 6 conditional section; Decode parses any "M" string of one to
// four legs, item by item, and rejects what does not follow the layout. The package
// uses the standard library only, so that domain code and staff tools can both use it.
package bcbp
