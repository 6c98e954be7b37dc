// Package wire holds the JSON shapes of the booking-system REST contract
// (../../openapi.yaml) and their conversions to and from domain values. The client
// and the fake share them; the contract test checks both against the document.
package wire
