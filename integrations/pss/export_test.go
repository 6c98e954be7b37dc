package pss

// Queries exposed to the tests that check their plans.
const (
	TravellersSQL = travellersSQL
	CarriersSQL   = carriersSQL
)
