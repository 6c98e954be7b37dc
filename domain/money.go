package domain

import (
	"fmt"
	"strings"
)

// Currency is an ISO 4217 currency code, upper case.
type Currency string

// ParseCurrency checks a currency code.
func ParseCurrency(s string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(s)))
	if len(c) != 3 || strings.Trim(string(c), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", Errorf(Invalid, "parse currency", "%q is not an ISO 4217 currency code", s)
	}
	return c, nil
}

// MinorDigits is the number of decimals of a currency's minor unit (2 for EUR, 0 for
// JPY, 3 for KWD).
func (c Currency) MinorDigits() int {
	switch c {
	case "JPY", "KRW", "ISK", "CLP", "VND", "XOF", "XAF", "HUF":
		return 0
	case "KWD", "BHD", "OMR", "JOD", "TND", "LYD", "IQD":
		return 3
	}
	return 2
}

// Money is an amount in a currency's minor units (cents for EUR). Amounts are never
// floating point: fares, fees and refunds add up exactly.
type Money struct {
	Minor    int64
	Currency Currency
}

// NewMoney returns an amount of minor units.
func NewMoney(minor int64, c Currency) Money { return Money{Minor: minor, Currency: c} }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Minor == 0 }

// Negative reports whether the amount is below zero.
func (m Money) Negative() bool { return m.Minor < 0 }

// Add returns m + o. Adding amounts of two currencies is a programming error and
// returns an Invalid error; a zero amount of any currency adds to anything.
func (m Money) Add(o Money) (Money, error) {
	switch {
	case o.Minor == 0 && o.Currency == "":
		return m, nil
	case m.Minor == 0 && m.Currency == "":
		return o, nil
	case m.Currency != o.Currency:
		return Money{}, Errorf(Invalid, "add money", "%s and %s differ", m.Currency, o.Currency)
	}
	return Money{Minor: m.Minor + o.Minor, Currency: m.Currency}, nil
}

// Times returns the amount multiplied by n.
func (m Money) Times(n int) Money { return Money{Minor: m.Minor * int64(n), Currency: m.Currency} }

// Neg returns -m.
func (m Money) Neg() Money { return Money{Minor: -m.Minor, Currency: m.Currency} }

// Decimal renders the amount with its currency's decimals and a dot, without the
// currency: "12.50", "-3.00", "1500". Locale formatting belongs to the flows.
func (m Money) Decimal() string {
	d := m.Currency.MinorDigits()
	neg := m.Minor < 0
	v := m.Minor
	if neg {
		v = -v
	}
	s := fmt.Sprintf("%d", v)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String renders "EUR 12.50".
func (m Money) String() string { return string(m.Currency) + " " + m.Decimal() }
