package boardingpass

// DefaultAirline is the airline named in the header of passes drawn by a Renderer
// from New: the demo booking system's carrier.
const DefaultAirline = "Skybridge Air"

// Renderer draws boarding passes. It holds no state between calls and is safe for
// concurrent use.
type Renderer struct {
	// Airline is the name printed in the PDF's header. When empty, the operating
	// carrier's designator is printed instead.
	Airline string
}

// New returns a Renderer that names DefaultAirline in the header.
func New() *Renderer { return &Renderer{Airline: DefaultAirline} }
