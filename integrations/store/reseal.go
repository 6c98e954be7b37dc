package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// sealedColumn is a column holding domain.Sealer output, with the column that
// identifies its rows.
type sealedColumn struct {
	Table, Key, Column string
	// TextKey is true when Key is text (else a positive integer id).
	TextKey bool
}

// SealedColumns lists every column of the database that holds sealed personal
// data, including the demo booking system's (they share the database and the
// key). A new sealed column must be added here, or `skybridge reseal` leaves it
// under the old key and removing that key makes it unreadable; the reseal test
// looks for values under an old key in every column of every table.
var SealedColumns = []sealedColumn{
	{"blind_keys", "purpose", "sealed", true},
	{"conversations", "id", "data", false},
	{"conversations", "id", "profile_name", false},
	{"conversations", "id", "user_sealed", false},
	{"conversations", "id", "alt_user_sealed", false},
	{"inbound_messages", "id", "text", false},
	{"inbound_messages", "id", "payload", false},
	{"outbound_messages", "id", "body", false},
	{"outbound_messages", "id", "dismiss_reason", false},
	{"webhook_events", "id", "body", false},
	{"boarding_passes", "token", "body", true},
	{"pss_bookings", "id", "whatsapp_sealed", false},
	{"pss_bookings", "id", "email_sealed", false},
	{"pss_documents", "id", "number_sealed", false},
	{"pss_documents", "id", "birth_date_sealed", false},
}

// ResealReport counts what a reseal did, per "table.column".
type ResealReport struct {
	// Resealed values now under the current key.
	Resealed map[string]int
	// Skipped values changed by someone else between read and write: the writer
	// sealed them with the current key already.
	Skipped map[string]int
	// Indexed contact identifiers moved from clear text to blind index + sealed.
	Indexed map[string]int
}

// Total is the number of values resealed or indexed.
func (r ResealReport) Total() int {
	n := 0
	for _, m := range []map[string]int{r.Resealed, r.Indexed} {
		for _, v := range m {
			n += v
		}
	}
	return n
}

// String lists the counts, one "table.column resealed N" line each, sorted.
func (r ResealReport) String() string {
	var lines []string
	for _, c := range []struct {
		what string
		m    map[string]int
	}{{"resealed", r.Resealed}, {"skipped", r.Skipped}, {"indexed", r.Indexed}} {
		for k, v := range c.m {
			lines = append(lines, fmt.Sprintf("%-36s %-8s %d", k, c.what, v))
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return "nothing to reseal: every value is under the current key"
	}
	return strings.Join(lines, "\n")
}

// Reseal re-encrypts every sealed value written under an older key with the
// current one, batch by batch (each batch its own short transaction), and moves
// contact identifiers still stored in clear to their blind index. It is safe
// while instances serve: each value is replaced only if it is still the one read
// (compare-and-swap), so a concurrent write, sealed with the current key, wins.
// Running it again does nothing more. batch <= 0 means 500.
func (s *Store) Reseal(ctx context.Context, batch int) (ResealReport, error) {
	if batch <= 0 {
		batch = 500
	}
	rep := ResealReport{Resealed: map[string]int{}, Skipped: map[string]int{}, Indexed: map[string]int{}}
	prefix := "v1:" + s.sealer.Current() + ":"
	for _, c := range SealedColumns {
		name := c.Table + "." + c.Column
		var after any = int64(0)
		if c.TextKey {
			after = ""
		}
		for {
			// Keyset pagination on the row key, so that a batch never rereads
			// what an earlier one skipped; the key finds each row's index entry.
			q := fmt.Sprintf(`SELECT %[2]s AS k, %[3]s AS v FROM %[1]s
				WHERE %[2]s > ? AND %[3]s <> '' AND substr(%[3]s, 1, %[4]d) <> ?
				ORDER BY %[2]s LIMIT %[5]d`, c.Table, c.Key, c.Column, len(prefix), batch)
			rows, err := keyedValues(s.db.WithContext(ctx).Raw(q, after, prefix))
			if err != nil {
				return rep, fmt.Errorf("reseal %s: %w", name, err)
			}
			if len(rows) == 0 {
				break
			}
			err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				for _, r := range rows {
					plain, err := s.sealer.Open(r.V)
					if err != nil {
						return fmt.Errorf("%s %v: %w", c.Key, r.K, err)
					}
					res := tx.Exec(fmt.Sprintf(`UPDATE %s SET %s = ? WHERE %s = ? AND %s = ?`, c.Table, c.Column, c.Key, c.Column),
						s.sealer.Seal(plain), r.K, r.V)
					if res.Error != nil {
						return fmt.Errorf("%s %v: %w", c.Key, r.K, res.Error)
					}
					if res.RowsAffected == 1 {
						rep.Resealed[name]++
					} else {
						rep.Skipped[name]++
					}
				}
				return nil
			})
			if err != nil {
				return rep, fmt.Errorf("reseal %s: %w", name, err)
			}
			after = rows[len(rows)-1].K
			if len(rows) < batch {
				break
			}
		}
	}
	if err := s.indexContacts(ctx, batch, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// indexContacts replaces clear contact identifiers (rows written before blind
// indexes existed) with their blind index, keeping the sealed value where the
// identifier is needed again (conversations). It works per (channel,
// identifier), which the tables' indexes find.
func (s *Store) indexContacts(ctx context.Context, batch int, rep ResealReport) error {
	type column struct {
		table, column, sealed string
		channel               bool
	}
	for _, c := range []column{
		{"conversations", "user_id", "user_sealed", true},
		{"conversations", "alt_user_id", "alt_user_sealed", true},
		{"preferences", "user_id", "", true},
		{"tier_reach", "user_id", "", true},
		{"lookup_failures", "key", "", false},
	} {
		name := c.table + "." + c.column
		ch := "''"
		if c.channel {
			ch = "channel"
		}
		for {
			var rows []struct {
				Ch string
				V  string
			}
			q := fmt.Sprintf(`SELECT DISTINCT %[2]s AS ch, %[3]s AS v FROM %[1]s
				WHERE %[3]s <> '' AND substr(%[3]s, 1, %[4]d) <> ? LIMIT %[5]d`, c.table, ch, c.column, len(blindPrefix), batch)
			if err := s.db.WithContext(ctx).Raw(q, blindPrefix).Scan(&rows).Error; err != nil {
				return fmt.Errorf("index %s: %w", name, err)
			}
			if len(rows) == 0 {
				break
			}
			done := 0
			err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				for _, r := range rows {
					set := c.column + " = ?"
					args := []any{s.blind(r.V)}
					if c.sealed != "" {
						set += ", " + c.sealed + " = ?"
						args = append(args, s.sealer.Seal(r.V))
					}
					where := c.column + " = ?"
					keys := []any{r.V}
					if c.channel {
						where = "channel = ? AND " + where
						keys = []any{r.Ch, r.V}
					}
					// In a savepoint: a unique violation must not abort the batch.
					var n int64
					err := tx.Transaction(func(tx *gorm.DB) error {
						res := tx.Exec("UPDATE "+c.table+" SET "+set+" WHERE "+where, append(args, keys...)...)
						n = res.RowsAffected
						return res.Error
					})
					if err != nil && isUniqueViolation(err) {
						// The traveller also has rows under the blind index, written
						// by a newer instance during an upgrade. Preferences, tier
						// counts and failed look-ups keep the newer rows and the clear
						// ones go; two conversations are left for staff to merge.
						if c.table == "conversations" {
							rep.Skipped[name]++
							continue
						}
						res := tx.Exec("DELETE FROM "+c.table+" WHERE "+where, keys...)
						n, err = res.RowsAffected, res.Error
					}
					if err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					done += int(n)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("index %s: %w", name, err)
			}
			rep.Indexed[name] += done
			if done == 0 || len(rows) < batch {
				// done == 0: every row left is a conversation that conflicts.
				break
			}
		}
	}
	return nil
}

// keyedValue is a row's key (an int64 id or a text key, as the driver gives
// it) and a column's value.
type keyedValue struct {
	K any
	V string
}

// keyedValues runs a query of (key, value) rows. gorm does not fill fields of
// type any, so the rows are scanned by hand.
func keyedValues(q *gorm.DB) ([]keyedValue, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []keyedValue
	for rows.Next() {
		var kv keyedValue
		if err := rows.Scan(&kv.K, &kv.V); err != nil {
			return nil, err
		}
		if b, ok := kv.K.([]byte); ok {
			kv.K = string(b)
		}
		out = append(out, kv)
	}
	return out, rows.Err()
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either database.
func isUniqueViolation(err error) bool {
	var msg string
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg += e.Error()
	}
	return strings.Contains(msg, "UNIQUE constraint") || strings.Contains(msg, "23505") || strings.Contains(msg, "duplicate key")
}
