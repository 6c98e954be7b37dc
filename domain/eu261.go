package domain

// eu261Countries are the states where Regulation (EC) No 261/2004 applies: the EU
// member states plus Iceland, Norway and Switzerland, as ISO 3166-1 alpha-3 codes.
var eu261Countries = map[CountryCode]bool{
	"AUT": true, "BEL": true, "BGR": true, "HRV": true, "CYP": true, "CZE": true, "DNK": true,
	"EST": true, "FIN": true, "FRA": true, "DEU": true, "GRC": true, "HUN": true, "IRL": true,
	"ITA": true, "LVA": true, "LTU": true, "LUX": true, "MLT": true, "NLD": true, "POL": true,
	"PRT": true, "ROU": true, "SVK": true, "SVN": true, "ESP": true, "SWE": true,
	"ISL": true, "NOR": true, "CHE": true,
}

// InEU261Area reports whether a country is one where EU 261 applies.
func InEU261Area(c CountryCode) bool { return eu261Countries[c] }

// EU261Applies tells whether EU 261 passenger rights cover a flight: every departure
// from the EU 261 area, and arrivals in it when the operating carrier is an EU
// carrier (carrierEU).
func EU261Applies(f Flight, carrierEU bool) bool {
	if InEU261Area(f.Origin.Country) {
		return true
	}
	return carrierEU && InEU261Area(f.Destination.Country)
}
