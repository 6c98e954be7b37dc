package nlu

import (
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// languageNames maps folded language names, in the six languages, to a Lang.
var languageNames = func() map[string]domain.Lang {
	m := map[string]domain.Lang{}
	add := func(l domain.Lang, names string) {
		for _, n := range strings.Fields(names) {
			m[n] = l
		}
	}
	add("en", "english anglais engels englisch ingles ingl")
	add("fr", "french francais frans franzosisch franzoesisch frances franses")
	add("nl", "dutch neerlandais nederlands hollands niederlandisch niederlaendisch holandes neerlandes vlaams flemish")
	add("de", "german allemand duits deutsch aleman alemao alema")
	add("es", "spanish espagnol spaans spanisch espanol castellano espanhol castelhano")
	add("pt", "portuguese portugais portugees portugiesisch portugues")
	return m
}()

// numberWords maps folded number words and ordinals one to ten to digits.
// articleNumbers double as "a"/"an" and count only in very short messages.
var (
	numberWords = func() map[string]string {
		m := map[string]string{}
		digits := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}
		for _, row := range []string{
			"one two three four five six seven eight nine ten",
			"first second third fourth fifth sixth seventh eighth ninth tenth",
			"un deux trois quatre cinq six sept huit neuf dix",
			"premier deuxieme troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme",
			"premiere second troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme",
			"een twee drie vier vijf zes zeven acht negen tien",
			"eerste tweede derde vierde vijfde zesde zevende achtste negende tiende",
			"eins zwei drei vier funf sechs sieben acht neun zehn",
			"ein zweite dritte vierte fuenf sechste siebte achte neunte zehnte",
			"erste zweiter dritter vierter funfte sechster siebter achter neunter zehnter",
			"erster zweites drittes viertes fuenfte sechstes siebtes achtes neuntes zehntes",
			"uno dos tres cuatro cinco seis siete ocho nueve diez",
			"primero segundo tercero cuarto quinto sexto septimo octavo noveno decimo",
			"primera segunda tercera cuarta quinta sexta septima octava novena decima",
			"um dois tres quatro cinco seis sete oito nove dez",
			"primeiro segundo terceiro quarto quinto sexto setimo oitavo nono decimo",
			"primeira segunda terceira quarta quinta sexta setima oitava nona decima",
			"ersten zweiten dritten vierten funften sechsten siebten achten neunten zehnten",
			"una duas primer tercer une eine erstes",
		} {
			for i, w := range strings.Fields(row) {
				if _, ok := m[w]; !ok {
					m[w] = digits[i]
				}
			}
		}
		// The last row is irregular.
		for w, d := range map[string]string{"una": "1", "duas": "2", "primer": "1", "tercer": "3", "une": "1", "eine": "1", "erstes": "1", "premiere": "1", "second": "2", "ein": "1", "funfte": "5", "fuenf": "5", "zweite": "2"} {
			m[w] = d
		}
		return m
	}()
	articleNumbers = setOf("un une een ein eine uno una um uma")
)

// particles join the parts of a surname: "van der Berg", "de la Cruz",
// "dos Santos", "von Weizsäcker". "y" and "e" only join two names.
var (
	particles       = setOf("van der den de del della di da das dos do du von zu ten ter te la le las los st saint mac mc al el bin ben 't")
	innerParticles  = setOf("y e i")
	ordinalSuffixes = []string{"st", "nd", "rd", "th", "er", "re", "eme", "ieme", "e", "de", "ste", "te", "o"}
)
