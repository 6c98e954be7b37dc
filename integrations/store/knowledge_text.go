package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/skybridge/skybridge/domain"
)

// Text analysis of knowledge articles and questions. The same steps run on the
// indexed text and on the question, so that both meet in the same form, on
// SQLite and PostgreSQL alike:
//
//  1. fold: lower case, accents removed from Latin letters ("Gepäck" → "gepack"),
//     so that a traveller who types without accents still matches; Arabic
//     without vowel marks and with one form of alef, taa marbuta and alef
//     maqsura; Hindi without nukta and with chandrabindu written as anusvara;
//     Arabic-Indic, Devanagari and full-width digits as 0–9;
//  2. split into words; Chinese (no spaces) into its characters and their
//     overlapping pairs;
//  3. questions only: drop the language's stop words and chat filler ("hi",
//     "pls"), and correct a typo to the nearest word the articles use;
//  4. strip the language's inflection with a small stemmer (stem below). Both
//     databases index these stems (PostgreSQL with its 'simple' configuration),
//     so that they find the same passages.

// foldText lower-cases s, removes the accents of Latin letters and writes the
// spelling variants of Arabic and Hindi one way. Chinese is left as it is.
func foldText(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 0x300 && r <= 0x36f: // combining accents of Latin letters
		case r >= 0x64b && r <= 0x65f, r == 0x670, r == 0x640: // Arabic vowel marks, tatweel
		case r == 0x93c: // Devanagari nukta: ड़ and ड are typed alike
		case r == 0x901: // chandrabindu, often typed as anusvara: हूँ, हूं
			b.WriteRune(0x902)
		case r == 'أ', r == 'إ', r == 'آ', r == 'ٱ':
			b.WriteRune('ا')
		case r == 'ة': // taa marbuta, often typed as haa
			b.WriteRune('ه')
		case r == 'ى': // alef maqsura, often typed as yaa
			b.WriteRune('ي')
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + r - '٠')
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + r - '۰')
		case r >= '०' && r <= '९':
			b.WriteRune('0' + r - '०')
		case r >= '！' && r <= '～': // full-width ASCII of Chinese input
			b.WriteRune(r - '！' + '!')
		case r == 'ß':
			b.WriteString("ss")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'œ':
			b.WriteString("oe")
		case r == 'ø':
			b.WriteByte('o')
		case r == 'ł':
			b.WriteByte('l')
		case r == 'ı':
			b.WriteByte('i')
		case r == '’':
			b.WriteByte('\'')
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// words splits folded text into words: runs of letters, digits and combining
// marks (Devanagari vowel signs are marks). A run of Chinese characters, written
// without spaces, becomes its characters and their overlapping pairs ("托运行李"
// → 托 运 行 李 托运 运行 行李): a pair finds the two-character words most
// Chinese words are, a character the words of one (狗, 票, 猫).
func words(s string) []string { return split(s, hanGrams) }

func hanGrams(run []rune) []string {
	out := make([]string, 0, 2*len(run))
	for _, r := range run {
		out = append(out, string(r))
	}
	for i := 0; i+1 < len(run); i++ {
		out = append(out, string(run[i:i+2]))
	}
	return out
}

// split splits folded text into runs of letters, digits and combining marks,
// and hands each run of two Chinese characters or more to han.
func split(s string, han func([]rune) []string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) == 0 {
			return
		}
		if isHan(cur[0]) && len(cur) > 1 {
			out = append(out, han(cur)...)
		} else {
			out = append(out, string(cur))
		}
		cur = cur[:0]
	}
	for _, r := range s {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)
		if !ok {
			flush()
			continue
		}
		if len(cur) > 0 && isHan(r) != isHan(cur[0]) {
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// analyze folds and splits text; used for what is indexed.
func analyze(s string) []string { return words(foldText(s)) }

// stem reduces a folded word to the stem shared by its inflected forms in lang,
// by stripping the longest known suffix that leaves at least minStem letters.
// It is deliberately small: it must only map a word and its usual variants
// (bagage, bagages; Koffer, Koffern; reembolso, reembolsos) to the same string,
// on the indexed text and on the question alike.
func stem(lang domain.Lang, w string) string {
	switch lang {
	case "en":
		return stemEnglish(w)
	case "tr":
		return stemTurkish(w)
	case "ar":
		return stemArabic(w)
	}
	suffixes, ok := suffixesOf[lang]
	if !ok || utf8.RuneCountInString(w) <= minStem {
		return w
	}
	for _, s := range suffixes {
		if strings.HasSuffix(w, s) && utf8.RuneCountInString(w)-utf8.RuneCountInString(s) >= minStem {
			return strings.TrimSuffix(w, s)
		}
	}
	return w
}

// stemTurkish keeps the first five letters of a word. Turkish stacks suffixes
// (bagaj, bagajım, bagajımı, bagajlarımızın) on a stem that rarely changes, and
// a word's first five letters are known to find its forms about as well as a
// full morphological analysis. A stem's final k turns into ğ before a suffix
// (köpek, köpeğim), folded to g: a g cut off from its suffix is read as k.
func stemTurkish(w string) string {
	if r := []rune(w); len(r) > 5 {
		if r[4] == 'g' {
			r[4] = 'k'
		}
		return string(r[:5])
	}
	return w
}

// stemArabic removes the article and the conjunctions and prepositions written
// onto it (الحقيبة, بالحقيبة, والحقيبة → حقيبه once folded), then one ending:
// a plural, dual or feminine ending, or an attached pronoun. Before a pronoun a
// taa marbuta is written ت (رحلة, رحلتك, رحلتي), which goes with it.
func stemArabic(w string) string {
	for _, p := range []string{"وال", "بال", "كال", "فال", "لل", "ال"} {
		if strings.HasPrefix(w, p) && utf8.RuneCountInString(w)-utf8.RuneCountInString(p) >= minStem {
			w = strings.TrimPrefix(w, p)
			break
		}
	}
	for _, s := range []string{"ات", "ون", "ين", "ان", "ها", "هم", "كم", "نا", "يه", "ه", "ي", "ك"} {
		if !strings.HasSuffix(w, s) || utf8.RuneCountInString(w)-utf8.RuneCountInString(s) < minStem {
			continue
		}
		w = strings.TrimSuffix(w, s)
		switch s {
		case "ها", "هم", "كم", "نا", "ي", "ك":
			if strings.HasSuffix(w, "ت") && utf8.RuneCountInString(w) > minStem {
				w = strings.TrimSuffix(w, "ت")
			}
		}
		break
	}
	return w
}

const minStem = 3

// stemEnglish strips plurals, -ing, -ed, -ation and a final e: bike, bikes,
// biking → bik; delay, delays, delayed → delay; carry, carries → carry.
func stemEnglish(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes")):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		w = w[:n-1]
	}
	for _, s := range []string{"ation", "ing", "ed"} {
		if strings.HasSuffix(w, s) && len(w)-len(s) >= minStem {
			w = strings.TrimSuffix(w, s)
			break
		}
	}
	if len(w) > minStem && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w
}

// suffixesOf lists inflection suffixes per language, longest first (folded, so
// without accents).
var suffixesOf = map[domain.Lang][]string{
	"fr": {"issements", "issement", "ations", "ation", "ements", "ement", "atrices", "atrice", "ateurs", "ateur", "euses", "euse",
		"ables", "able", "iques", "ique", "ites", "ite", "ives", "ive", "eurs", "eur", "ions", "ees", "ee", "es", "er", "ez", "e", "s", "x"},
	"es": {"aciones", "acion", "amientos", "amiento", "imientos", "imiento", "mente", "ables", "able", "ibles", "ible", "istas", "ista",
		"osos", "osas", "oso", "osa", "ando", "iendo", "ados", "adas", "ado", "ada", "idos", "idas", "ido", "ida",
		"ar", "er", "ir", "es", "as", "os", "a", "o", "e", "s"},
	"pt": {"acoes", "acao", "mentos", "mento", "mente", "aveis", "avel", "iveis", "ivel", "ados", "adas", "ado", "ada", "idos", "idas", "ido", "ida",
		"ando", "endo", "oes", "aes", "ar", "er", "ir", "es", "as", "os", "a", "o", "e", "s"},
	"it": {"azioni", "azione", "amenti", "amento", "mente", "abili", "abile", "ibili", "ibile", "ando", "endo",
		"ati", "ate", "ato", "ata", "iti", "ite", "ito", "ita", "are", "ere", "ire", "i", "e", "a", "o"},
	"de": {"ungen", "ung", "heiten", "heit", "keiten", "keit", "lichen", "liche", "lich", "ischen", "ische", "isch",
		"ern", "em", "en", "er", "es", "e", "s", "n"},
	"nl": {"heden", "heid", "ingen", "ing", "lijke", "lijk", "en", "e", "s"},
	"pl": {"owie", "ami", "ach", "owi", "iem", "ego", "emu", "ych", "ymi", "ow", "om", "em", "ej", "ym", "ie", "a", "e", "i", "o", "u", "y"},
	// Hindi after folding (chandrabindu → anusvara): plural, oblique and verb
	// endings, then single vowel signs.
	"hi": {"ाएंगे", "ाएंगी", "ियों", "ियां", "ाओं", "ाएं", "ुओं", "ाने", "ाना", "ाती", "ाता", "ाते", "ों", "ें", "ीं", "ां",
		"ने", "ना", "नी", "ी", "े", "ा", "ि", "ो"},
}

// stemmed is the text FTS5 indexes for lang: folded, split and stemmed words.
func stemmed(lang domain.Lang, s string) string {
	ws := analyze(s)
	for i, w := range ws {
		ws[i] = stem(lang, w)
	}
	return strings.Join(ws, " ")
}

// stopword reports whether a folded question word carries no meaning for search.
func stopword(lang domain.Lang, w string) bool {
	if _, ok := stopwords[lang][w]; ok {
		return true
	}
	if _, ok := airlineFiller[lang][w]; ok {
		return true
	}
	_, ok := chatFiller[w]
	return ok
}

// set is a word list folded as questions are (foldText), so that it can be
// written in the language's usual spelling.
func set(list string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(list) {
		m[foldText(w)] = struct{}{}
	}
	return m
}

// chatFiller are greetings and politeness seen in every language's chats.
var chatFiller = set(`hi hello hey hallo hola ola salut bonjour ciao merhaba please pls plz thanks thank thx merci gracias obrigado
	obrigada danke dank bedankt grazie dziekuje ok okay yes no oui non si sim nee nein ja question`)

// airlineFiller are words found in nearly every question a traveller asks an
// airline ("can I bring … on the plane"): they say nothing about which article
// answers, and a question is not less answered for their absence from it.
var airlineFiller = map[domain.Lang]map[string]struct{}{
	"en": set(`bring take taking carry fly flying plane airplane aeroplane happen happens now`),
	"fr": set(`emporter emmener prendre amener avion voler arrive maintenant`),
	"nl": set(`meenemen nemen vliegtuig vliegen gebeurt nu`),
	"de": set(`mitnehmen nehmen mitbringen flugzeug fliegen passiert jetzt nun`),
	"es": set(`llevar traer avion volar pasa ahora`),
	"pt": set(`levar trazer aviao voar acontece agora`),
	"it": set(`portare prendere aereo volare succede adesso ora`),
	"pl": set(`zabrac wziac zabierac przewiezc samolot samolotu samolocie leciec teraz`),
	"tr": set(`ucak ucakta ucaga goturebilir getirebilir alabilir edebilir yapabilir istiyorum lazim simdi`),
	"ar": set(`احمل اخذ اصطحب الطائرة طائرة الطيران اريد احتاج ممكن الان`),
	"zh": set(`带 携带 坐 乘坐 飞机 钱 现在`), // 钱 of 多少钱, "how much"
	"hi": set(`ले जा जाने जाना लेकर लाना विमान जहाज सकूं सकूँ हूँ हूं हो होगा होगी होने लगेगा लगेगी मिलेगा मिलेगी मिलता मिलती चाहिए चाहता चाहती अभी`),
}

// stopwords are the function words of each language, folded.
var stopwords = map[domain.Lang]map[string]struct{}{
	"en": set(`a an the and or but if of to in on at by for from with about into over under up down out is are was were be been being
		am do does did done have has had having can could may might must shall should will would i me my mine we our us you your
		he she it its they them their this that these those what which who whom whose when where why how there here
		any some much many more most very just also too not so than then as s t don dont im ive id get got need want know
		tell let like someone something anything one go going`),
	"fr": set(`le la les l un une des du de d au aux et ou mais si a en dans sur sous par pour avec sans chez est sont etait ete etre
		ai as avons avez ont je j me m moi mon ma mes tu te t toi ton ta tes il elle on nous vous ils elles lui leur leurs
		ce cet cette ces c ca qui que qu quoi quel quelle quels quelles quand ou comment pourquoi combien est-ce ne n pas plus
		y se s sa son ses notre nos votre vos peux peut puis pouvez dois doit faut veux voudrais voudrait faire fait svp stp tres`),
	"nl": set(`de het een en of maar als van te in op aan bij voor met uit over onder naar door is zijn was waren ben bent wordt worden
		heb heeft hebben had ik mij me mijn wij we ons onze jij je jou jouw u uw hij zij ze het hun dit dat deze die wat welke wie
		wanneer waar waarom hoe hoeveel er hier niet geen ook nog al dan zo kan kunnen mag mogen moet moeten wil willen zou graag
		even aub alstublieft`),
	"de": set(`der die das den dem des ein eine einen einem einer eines und oder aber wenn von zu im in am an auf bei fur mit aus uber
		unter nach durch ist sind war waren bin bist sein wird wurde werden habe hat haben hatte ich mich mir mein meine meinen meinem
		wir uns unser du dich dir dein sie ihr ihre er es man was welche welcher welches wer wann wo warum wie viel viele da
		hier nicht kein keine auch noch schon dann so kann konnen darf durfen muss mussen will mochte mochten soll bitte mal
		gibt`),
	"es": set(`el la los las un una unos unas y o pero si de del a al en sobre por para con sin es son era fue ser estar esta estoy
		he ha han hay yo me mi mis nosotros nos nuestro nuestra tu te ti tus usted ustedes su sus el ella ellos ellas le les
		lo este esta estos estas ese esa que cual cuales quien cuando donde por que porque como cuanto cuanta cuantos
		cuantas no mas muy ya puedo puede pueden debo debe tengo tiene quiero quisiera hacer se`),
	"pt": set(`o a os as um uma uns umas e ou mas se de do da dos das ao aos em no na nos nas por pelo pela para com sem e sao era
		foi ser estar esta estou tenho tem ha eu me mim meu minha meus minhas nos nosso nossa voce voces te seu sua seus suas
		ele ela eles elas lhe isto isso este esta esse essa que qual quais quem quando onde porque como quanto quanta quantos
		quantas nao mais muito ja posso pode podem devo deve quero queria fazer`),
	"it": set(`il lo la i gli le un uno una e o ma se di del della dei delle a al alla in nel nella su per con senza e sono era
		essere ho ha hanno io mi me mio mia miei noi ci nostro tu ti tuo lei lui loro suo sua questo questa quello che quale
		chi quando dove perche come quanto quanti non piu molto gia posso puo possono devo deve voglio vorrei fare
		c cosa cos nel nello negli dal dalla sul sulla mia mie tua sua anche ancora`),
	"pl": set(`i a o w we z ze na do od po za pod nad przez dla jest sa byl byla byc mam ma maja ja mnie mi moj moja moje my nas
		nasz ty ciebie twoj on ona ono oni one to ten ta te co czy jak jaki jaka jakie ile kiedy gdzie dlaczego nie tak juz moge
		moze musze chce chcialbym chcialabym sie mozna ktorej ktora ktory jesli bo jej jego ich mojego mojej moim`),
	"tr": set(`ve veya ama bir bu su o ben benim sen senin biz bizim siz sizin onlar ne nasil neden nerede ne zaman kac mi mu
		midir icin ile de da ki var yok mu mi misin miyim miyiz misiniz musunuz muyum bana beni bir sey nedir olur mudur`),
	"ar": set(`في من على الى إلى عن مع هل ما ماذا كيف متى أين لماذا كم هذا هذه ذلك التي الذي و او أو انا أنا نحن انت أنت هو هي هم لي لا نعم يمكن يمكنني
		يمكننا لدي عندي كان يجب علي اذا إذا ان أن إن الى حتى ثم ايضا أيضا`),
	"hi": set(`का की के को में से पर और या है हैं था थी थे मैं मेरा मेरी मेरे हम हमारा आप आपका आपकी वह यह ये वे क्या कैसे कब कहाँ कहां क्यों कितना कितनी कितने नहीं हाँ भी तो कर सकता सकती सकते
		करना करें करूं करूँ अगर कोई कुछ एक साथ लिए`),
	// Chinese: particles, pronouns and question words, as single characters and
	// as the pairs words makes of them.
	"zh": set(`的 了 吗 呢 吧 啊 嘛 我 你 您 他 她 它 们 是 在 有 和 与 或 就 也 都 要 会 能 可 以 这 那 个 么 什 怎 多 少 请 问 一 不 没 到 给
		对 把 被 还 哪 里 如 果 该 想 吗 上 下 办 样 为 得 着 过
		可以 什么 怎么 怎样 如果 我们 你们 他们 多少 请问 是否 能否 需要 应该 哪里 为什 没有 有没 一下 我的 你的 的话 是不 不是 可不`),
}
