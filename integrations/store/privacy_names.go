package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
)

// Staff find a conversation by a traveller's name. Names are personal data and
// an external booking system's passengers are not in this database, so when a
// conversation proves a booking the store keeps, per passenger of it, a blind
// index of the folded surname and of the folded given names with the surname —
// never the names. A search folds what staff typed the same way and looks the
// indexes up.
//
// The index key is derived from the contact index key (privacy_blind.go), which
// is random per database and kept sealed under the data key: a key rotation
// reseals it, and the name indexes stay valid like the contact ones.

// nameBlindPrefix marks a name index.
const nameBlindPrefix = "bn1:"

// nameIndexLabel separates the name index key from the contact index key.
const nameIndexLabel = "skybridge conversation name index v1"

type conversationNameRow struct {
	ConversationID int64  `gorm:"primaryKey"`
	NameIndex      string `gorm:"primaryKey"`
}

func (conversationNameRow) TableName() string { return "conversation_names" }

// blindName returns the blind index of one folded name form.
func (s *Store) blindName(form string) string {
	k := hmac.New(sha256.New, s.blindKey)
	k.Write([]byte(nameIndexLabel))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(form))
	return nameBlindPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// nameForms are the folded forms a passenger is found by: the surname alone
// ("s:JANSEN") and the given names with it ("g:EVAMARIE|JANSEN").
func nameForms(n domain.PersonName) []string {
	sur := domain.FoldName(n.Surname)
	if sur == "" {
		return nil
	}
	out := []string{"s:" + sur}
	if given := domain.FoldName(stripTitles(n.Given)); given != "" {
		out = append(out, "g:"+given+"|"+sur)
	}
	return out
}

// titles are the words airlines append to or put before names.
var titles = map[string]bool{"MR": true, "MRS": true, "MS": true, "MISS": true, "MSTR": true, "DR": true, "PROF": true}

// stripTitles removes title words ("EVA MRS", "Mr Eva") from a name.
func stripTitles(s string) string {
	var kept []string
	for _, w := range strings.Fields(s) {
		if !titles[domain.FoldName(w)] {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// queryNameForms are the forms a typed name may match: all of it as a surname
// ("van der Berg"), and every split of its words into given names and surname,
// in either order ("Eva Jansen", "Jansen Eva", "JANSEN/EVA MRS").
func queryNameForms(q string) []string {
	words := strings.Fields(stripTitles(strings.NewReplacer("/", " ", ",", " ").Replace(q)))
	if len(words) == 0 || len(words) > 8 {
		return nil
	}
	fold := func(ws []string) string { return domain.FoldName(strings.Join(ws, " ")) }
	forms := []string{"s:" + fold(words)}
	for k := 1; k < len(words); k++ {
		a, b := fold(words[:k]), fold(words[k:])
		forms = append(forms, "g:"+a+"|"+b, "g:"+b+"|"+a)
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// indexNames records, in the caller's transaction, the blind indexes of the
// names of a booking a conversation proved; indexing a name twice is a no-op.
func (s *Store) indexNames(tx *gorm.DB, conversationID int64, names []domain.PersonName) error {
	var rows []conversationNameRow
	seen := map[string]bool{}
	for _, n := range names {
		for _, f := range nameForms(n) {
			idx := s.blindName(f)
			if !seen[idx] {
				seen[idx] = true
				rows = append(rows, conversationNameRow{ConversationID: conversationID, NameIndex: idx})
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	if err != nil {
		return fmt.Errorf("index traveller names: %w", err)
	}
	return nil
}

// conversationsByName returns the conversations whose proved bookings have a
// passenger of that name: through the name indexes, and for links made before
// the indexes existed, through the built-in booking system's passengers.
func (s *Store) conversationsByName(db *gorm.DB, name string) ([]int64, error) {
	forms := queryNameForms(name)
	if len(forms) == 0 {
		return nil, domain.Errorf(domain.Invalid, "find conversations", "a name has one to eight words")
	}
	idx := make([]string, len(forms))
	for i, f := range forms {
		idx[i] = s.blindName(f)
	}
	var ids []int64
	if err := db.Model(&conversationNameRow{}).Where("name_index IN ?", idx).Distinct().Pluck("conversation_id", &ids).Error; err != nil {
		return nil, err
	}
	var legacy []int64
	lower := strings.ToLower(strings.Join(strings.Fields(name), " "))
	err := db.Raw(`SELECT DISTINCT cb.conversation_id FROM conversation_bookings cb
		JOIN pss_bookings b ON b.locator = cb.locator
		JOIN pss_passengers p ON p.booking_id = b.id
		WHERE NOT EXISTS (SELECT 1 FROM conversation_names n WHERE n.conversation_id = cb.conversation_id)
		AND (LOWER(p.surname) = ? OR LOWER(p.given || ' ' || p.surname) = ?)`, lower, lower).Scan(&legacy).Error
	if err != nil {
		return nil, err
	}
	return append(ids, legacy...), nil
}
