package nlu

import (
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// languageNames maps folded language names, in the twelve languages, to a
// Lang. Chinese names are in hanLanguageNames: Chinese has no spaces.
var languageNames = func() map[string]domain.Lang {
	m := map[string]domain.Lang{}
	add := func(l domain.Lang, names string) {
		for _, n := range strings.Fields(names) {
			m[fold(n)] = l
		}
	}
	add("en", "english anglais engels englisch ingles ingl inglese angielski angielsku ingilizce انجليزي الانجليزيه الانجليزية بالانجليزي بالانجليزيه انجليزية अंग्रेजी अंग्रेज़ी इंग्लिश angrezi")
	add("fr", "french francais frans franzosisch franzoesisch frances franses francese francuski francusku fransizca فرنسي الفرنسيه الفرنسية بالفرنسي फ्रेंच")
	add("nl", "dutch neerlandais nederlands hollands niederlandisch niederlaendisch holandes neerlandes vlaams flemish olandese niderlandzki holenderski holendersku flemenkce hollandaca هولندي الهولنديه डच")
	add("de", "german allemand duits deutsch aleman alemao alema tedesco niemiecki niemiecku almanca الماني الالمانيه الالمانية بالالماني जर्मन")
	add("es", "spanish espagnol spaans spanisch espanol castellano espanhol castelhano spagnolo hiszpanski hiszpansku ispanyolca اسباني الاسبانيه الاسبانية بالاسباني स्पेनिश")
	add("pt", "portuguese portugais portugees portugiesisch portugues portoghese portugalski portugalsku portekizce برتغالي البرتغاليه البرتغالية पुर्तगाली")
	add("it", "italian italien italiaans italienisch italiano italiana italianu wloski wlosku italyanca ايطالي الايطاليه الايطالية इटालियन")
	add("pl", "polish polonais pools polnisch polaco polacco polski polsku polskim lehce polonca بولندي पोलिश")
	add("tr", "turkish turc turks turkisch turkce turco turecki turecku تركي التركيه التركية तुर्की")
	add("ar", "arabic arabe arabisch arabo arabski arabsku arapca عربي العربيه العربية بالعربي بالعربيه अरबी")
	add("zh", "chinese chinois chinees chinesisch chino chines cinese chinski chinsku cince mandarin صيني الصينيه الصينية चीनी")
	add("hi", "hindi hindou hindoe hindi hindustani हिंदी हिन्दी")
	return m
}()

// hanLanguageNames are language names written in Chinese, found in the text.
var hanLanguageNames = map[string]domain.Lang{
	"英语": "en", "英文": "en", "法语": "fr", "法文": "fr", "荷兰语": "nl", "德语": "de", "德文": "de",
	"西班牙语": "es", "葡萄牙语": "pt", "意大利语": "it", "波兰语": "pl", "土耳其语": "tr",
	"阿拉伯语": "ar", "中文": "zh", "汉语": "zh", "普通话": "zh", "华语": "zh", "印地语": "hi",
}

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
			// Italian without "sei" (you are), "prima" (before), "secondo" (according to).
			"uno due tre quattro cinque - sette otto nove dieci",
			"primo - terzo quarto - sesto settimo ottavo - -",
			"- seconda terza - quinta sesta settima ottava nona decima",
			"jeden dwa trzy cztery pięć sześć siedem osiem dziewięć dziesięć",
			"jedna dwie trzech czterech pięciu sześciu siedmiu ośmiu dziewięciu dziesięciu",
			"pierwszy drugi trzeci czwarty piąty szósty siódmy ósmy dziewiąty dziesiąty",
			"pierwsza druga trzecia czwarta piąta szósta siódma ósma dziewiąta dziesiąta",
			// Turkish without "on" (ten), an English word too.
			"bir iki üç dört beş altı yedi sekiz dokuz -",
			"birinci ikinci üçüncü dördüncü beşinci altıncı yedinci sekizinci dokuzuncu onuncu",
			"واحد اثنين ثلاثة أربعة خمسة ستة سبعة ثمانية تسعة عشرة",
			"واحدة اثنان ثلاث أربع خمس ست سبع ثماني تسع عشر",
			"الأول الثاني الثالث الرابع الخامس السادس السابع الثامن التاسع العاشر",
			"एक दो तीन चार पांच छह सात आठ नौ दस",
			"पहला दूसरा तीसरा चौथा पाँच छः सात आठवां नौवां दसवां",
			"पहली दूसरी तीसरी चौथी पाँचवीं छठा सातवां - - -",
			"una duas primer tercer une eine erstes",
		} {
			for i, w := range strings.Fields(row) {
				w = fold(w)
				if _, ok := m[w]; !ok && w != "-" {
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
	articleNumbers = setOf("un une een ein eine uno una um uma bir एक")
	// hanNumbers are Chinese numerals; they count only before a measure word
	// ("两个箱子", "三位") or alone, since 一 is also part of many words.
	hanNumbers      = map[string]string{"一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "十": "10"}
	hanMeasureWords = setOf("个 件 位 张 名 人 只 箱 份 次 号 排 座")
)

// particles join the parts of a surname: "van der Berg", "de la Cruz",
// "dos Santos", "von Weizsäcker". "y" and "e" only join two names.
var (
	particles       = setOf("van der den de del della di da das dos do du von zu ten ter te la le las los st saint mac mc al el bin ben 't dei degli")
	innerParticles  = setOf("y e i")
	ordinalSuffixes = []string{"st", "nd", "rd", "th", "er", "re", "eme", "ieme", "e", "de", "ste", "te", "o"}
)
