package nlu

import "strings"

// countryTable lists countries as "alpha-3 alpha-2|name|name|…", names in
// English, French, Dutch, German, Spanish and Portuguese, accents optional
// (names are folded before lookup).
const countryTable = `
NLD NL|netherlands|the netherlands|holland|pays-bas|pays bas|nederland|niederlande|holanda|paises bajos|paises baixos
BEL BE|belgium|belgique|belgie|belgien|belgica
LUX LU|luxembourg|luxemburg|luxemburgo
FRA FR|france|frankrijk|frankreich|francia|franca
DEU DE|germany|allemagne|duitsland|deutschland|alemania|alemanha
AUT AT|austria|autriche|oostenrijk|osterreich|oesterreich
CHE CH|switzerland|suisse|zwitserland|schweiz|suiza|suica
GBR GB|united kingdom|uk|u.k.|great britain|britain|england|scotland|wales|royaume-uni|royaume uni|angleterre|verenigd koninkrijk|engeland|groot-brittannie|vereinigtes konigreich|grossbritannien|england|reino unido|inglaterra|gran bretana|gra-bretanha
IRL IE|ireland|irlande|ierland|irland|irlanda
USA US|united states|united states of america|usa|u.s.a.|america|etats-unis|etats unis|verenigde staten|amerika|vereinigte staaten|estados unidos|eeuu|eua
CAN CA|canada|kanada|canada
MEX MX|mexico|mexique|mexiko|mexico|mejico
BRA BR|brazil|bresil|brazilie|brasilien|brasil
ARG AR|argentina|argentine|argentinie|argentinien
CHL CL|chile|chili
COL CO|colombia|colombie|kolumbien|colombia
PER PE|peru|perou|peru
VEN VE|venezuela
ECU EC|ecuador|equateur|equador
URY UY|uruguay|uruguai
CUB CU|cuba|kuba
DOM DO|dominican republic|republique dominicaine|dominicaanse republiek|dominikanische republik|republica dominicana
SUR SR|suriname|surinam
CUW CW|curacao|curaçao
ABW AW|aruba
ESP ES|spain|espagne|spanje|spanien|espana|espanha
PRT PT|portugal
ITA IT|italy|italie|italien|italia|italia
GRC GR|greece|grece|griekenland|griechenland|grecia
TUR TR|turkey|turkiye|turquie|turkije|turkei|turquia
CYP CY|cyprus|chypre|zypern|chipre
MLT MT|malta|malte
DNK DK|denmark|danemark|denemarken|danemark|dinamarca
NOR NO|norway|norvege|noorwegen|norwegen|noruega
SWE SE|sweden|suede|zweden|schweden|suecia
FIN FI|finland|finlande|finnland|finlandia|finlandia
ISL IS|iceland|islande|ijsland|island|islandia
POL PL|poland|pologne|polen|polonia|polonia
CZE CZ|czech republic|czechia|republique tcheque|tchequie|tsjechie|tschechien|republica checa|chequia|republica tcheca|tchequia
SVK SK|slovakia|slovaquie|slowakije|slowakei|eslovaquia
HUN HU|hungary|hongrie|hongarije|ungarn|hungria
ROU RO|romania|roumanie|roemenie|rumanien|rumania|romenia
BGR BG|bulgaria|bulgarie|bulgarije|bulgarien
HRV HR|croatia|croatie|kroatie|kroatien|croacia
SVN SI|slovenia|slovenie|slowenien|eslovenia
SRB RS|serbia|serbie|servie|serbien|servia
UKR UA|ukraine|oekraine|ucrania|ucrania
RUS RU|russia|russie|rusland|russland|rusia|russia
EST EE|estonia|estonie|estland
LVA LV|latvia|lettonie|letland|lettland|letonia
LTU LT|lithuania|lituanie|litouwen|litauen|lituania
MAR MA|morocco|maroc|marokko|marruecos|marrocos
TUN TN|tunisia|tunisie|tunesie|tunesien|tunez|tunisia
DZA DZ|algeria|algerie|algerije|algerien|argelia
EGY EG|egypt|egypte|egypte|agypten|egipto|egito
ZAF ZA|south africa|afrique du sud|zuid-afrika|sudafrika|sudafrica|africa do sul
NGA NG|nigeria
KEN KE|kenya|kenia|quenia
GHA GH|ghana|gana
SEN SN|senegal
CPV CV|cape verde|cabo verde|cap-vert|kaapverdie|kap verde
AGO AO|angola
MOZ MZ|mozambique|mosambik|mocambique
ISR IL|israel|israel
JOR JO|jordan|jordanie|jordanie|jordanien|jordania|jordania
LBN LB|lebanon|liban|libanon|libano
ARE AE|united arab emirates|uae|emirates|emirats arabes unis|verenigde arabische emiraten|vereinigte arabische emirate|emiratos arabes unidos|emirados arabes unidos
QAT QA|qatar|katar|catar
SAU SA|saudi arabia|arabie saoudite|saoedi-arabie|saudi-arabien|arabia saudita|arabia saudita
IND IN|india|inde|indie|indien|india
PAK PK|pakistan|paquistao
CHN CN|china|chine|china|china
JPN JP|japan|japon|japan|japon|japao
KOR KR|south korea|korea|coree du sud|zuid-korea|sudkorea|corea del sur|coreia do sul
THA TH|thailand|thailande|thailand|tailandia
VNM VN|vietnam|viet nam|viet-nam|vietname
IDN ID|indonesia|indonesie|indonesien
MYS MY|malaysia|malaisie|maleisie|malasia
SGP SG|singapore|singapour|singapur|singapura
PHL PH|philippines|filipijnen|philippinen|filipinas
AUS AU|australia|australie|australien
NZL NZ|new zealand|nouvelle-zelande|nieuw-zeeland|neuseeland|nueva zelanda|nova zelandia
IRN IR|iran|irao
IRQ IQ|iraq|irak|iraque
SYR SY|syria|syrie|syrie|syrien|siria
AFG AF|afghanistan|afganistan|afeganistao
BGD BD|bangladesh|bangladesch
LKA LK|sri lanka
NPL NP|nepal
GEO GE|georgia|georgie|georgien
ARM AM|armenia|armenie|armenien
AZE AZ|azerbaijan|azerbaidjan|azerbeidzjan|aserbaidschan|azerbaiyan|azerbaijao
KAZ KZ|kazakhstan|kazachstan|kasachstan|kazajistan|cazaquistao
ISL IS|iceland
ALB AL|albania|albanie|albanien
BIH BA|bosnia|bosnia and herzegovina|bosnie|bosnie-herzegovine|bosnie en herzegovina|bosnien|bosnia y herzegovina|bosnia e herzegovina
MKD MK|north macedonia|macedonia|macedoine|macedonie|nordmazedonien|macedonia del norte|macedonia do norte
MNE ME|montenegro|montenegro
`

// nationalityTable gives nationality adjectives (as travellers answer "what is your
// nationality?") in the same format; several also name a language ("dutch",
// "nederlands"), which the flows resolve by the question being asked.
const nationalityTable = `
NLD|dutch|neerlandais|neerlandaise|nederlands|nederlandse|niederlandisch|niederlandische|neerlandes|neerlandesa|holandes|holandesa
BEL|belgian|belge|belgisch|belgische|belga
FRA|french|francais|francaise|frans|franse|franzosisch|franzosin|franzose|frances|francesa|frances
DEU|german|allemand|allemande|duits|duitse|deutsch|deutsche|deutscher|aleman|alemana|alemao|alema
GBR|british|britannique|brits|britse|britisch|britische|britanico|britanica|britanico|english|anglais|anglaise|engels|englisch
USA|american|americain|americaine|amerikaans|amerikaanse|amerikanisch|amerikaner|estadounidense|norteamericano|americano|americana
ESP|spanish|espagnol|espagnole|spaans|spaanse|spanisch|spanier|espanol|espanola|espanhol|espanhola
PRT|portuguese|portugais|portugaise|portugees|portugese|portugiesisch|portugues|portuguesa
ITA|italian|italien|italienne|italiaans|italiaanse|italienisch|italiener|italiano|italiana
BRA|brazilian|bresilien|bresilienne|braziliaans|braziliaanse|brasilianisch|brasileno|brasilena|brasileiro|brasileira
IRL|irish|irlandais|irlandaise|iers|ierse|irisch|irlandes|irlandesa
CHE|swiss|suisse|zwitsers|zwitserse|schweizer|schweizerisch|suizo|suiza|suico|suica
AUT|austrian|autrichien|autrichienne|oostenrijks|oostenrijkse|osterreichisch|austriaco|austriaca
POL|polish|polonais|polonaise|pools|poolse|polnisch|polaco|polaca
TUR|turkish|turc|turque|turks|turkse|turkisch|turco|turca
MAR|moroccan|marocain|marocaine|marokkaans|marokkaanse|marokkanisch|marroqui|marroquino|marroquina
`

type country struct {
	alpha3, alpha2 string
}

// countryIndex maps folded names and codes to ISO 3166-1 alpha-3 codes.
type countryIndex struct {
	names    map[string]string // folded name → alpha-3
	codes    map[string]string // folded alpha-2 / alpha-3 → alpha-3
	maxWords int
}

func newCountryIndex() *countryIndex {
	ci := &countryIndex{names: map[string]string{}, codes: map[string]string{}}
	for _, line := range strings.Split(countryTable+nationalityTable, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, "|")
		codes := strings.Fields(parts[0])
		a3 := codes[0]
		for _, c := range codes {
			ci.codes[strings.ToLower(c)] = a3
		}
		for _, n := range parts[1:] {
			f := foldPhrase(n)
			if f == "" {
				continue
			}
			ci.names[f] = a3
			if w := len(strings.Fields(f)); w > ci.maxWords {
				ci.maxWords = w
			}
		}
	}
	return ci
}
