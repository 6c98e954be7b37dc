package nlu

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// when is a relative date or a part of the day named in words.
type when struct {
	days    int          // relative date: today + days
	weekday time.Weekday // weekday date, when isWeekday
	// nextWeek: "下周一", the weekday of next week rather than the coming one.
	isDate, isWeekday, nextWeek bool
	part                        string // "morning", "afternoon", "evening", "night"
}

// whenPhrases are relative dates, weekdays and parts of the day in the
// twelve languages. "next Monday" and "Monday" are both the coming Monday.
var whenPhrases = func() *phraseIndex[when] {
	p := newPhraseIndex[when]()
	day := func(d int, phrases string) {
		for _, s := range strings.Split(phrases, ",") {
			p.add(strings.TrimSpace(s), when{isDate: true, days: d})
		}
	}
	day(0, "today,aujourd'hui,auj,vandaag,heute,hoy,hoje,oggi,dzisiaj,dziś,bugün,اليوم,今天,今日,आज,aaj")
	day(1, "tomorrow,tmrw,tmr,2morrow,demain,morgen,mañana,amanhã,domani,jutro,yarın,غدا,بكرة,بكره,明天,明日,कल,kal")
	day(2, "day after tomorrow,the day after tomorrow,après-demain,apres demain,overmorgen,übermorgen,pasado mañana,depois de amanhã,dopodomani,pojutrze,öbür gün,yarından sonra,بعد غد,بعد بكرة,后天,परसों")
	day(3, "大后天")
	day(-1, "yesterday,hier,gisteren,gestern,ayer,ontem,ieri,wczoraj,dün,أمس,امبارح,昨天")
	weekdays := []string{
		"sunday,dimanche,zondag,sonntag,domingo,domenica,niedziela,niedzielę,pazar,الأحد,الاحد,रविवार,星期日,星期天,周日,周天,礼拜天,礼拜日",
		"monday,lundi,maandag,montag,lunes,segunda-feira,segunda feira,lunedì,lunedi,poniedziałek,pazartesi,الاثنين,الإثنين,सोमवार,星期一,周一,礼拜一",
		"tuesday,mardi,dinsdag,dienstag,martes,terça-feira,terça feira,terça,martedì,martedi,wtorek,salı,الثلاثاء,मंगलवार,星期二,周二,礼拜二",
		"wednesday,mercredi,woensdag,mittwoch,miércoles,quarta-feira,quarta feira,mercoledì,mercoledi,środa,środę,çarşamba,الأربعاء,الاربعاء,बुधवार,星期三,周三,礼拜三",
		"thursday,jeudi,donderdag,donnerstag,jueves,quinta-feira,quinta feira,giovedì,giovedi,czwartek,perşembe,الخميس,गुरुवार,星期四,周四,礼拜四",
		"friday,vendredi,vrijdag,freitag,viernes,sexta-feira,sexta feira,sexta,venerdì,venerdi,piątek,cuma,الجمعة,शुक्रवार,星期五,周五,礼拜五",
		"saturday,samedi,zaterdag,samstag,sonnabend,sábado,sabato,sobota,sobotę,cumartesi,السبت,शनिवार,星期六,周六,礼拜六",
	}
	for wd, names := range weekdays {
		for _, s := range strings.Split(names, ",") {
			p.add(s, when{isDate: true, isWeekday: true, weekday: time.Weekday(wd)})
		}
		for _, s := range strings.Split(names, ",") {
			if hasHan(s) && (strings.HasPrefix(s, "星期") || strings.HasPrefix(s, "周")) {
				p.add("下"+s, when{isDate: true, isWeekday: true, weekday: time.Weekday(wd), nextWeek: true})
				p.add("下个"+s, when{isDate: true, isWeekday: true, weekday: time.Weekday(wd), nextWeek: true})
			}
		}
	}
	part := func(name, phrases string) {
		for _, s := range strings.Split(phrases, ",") {
			p.add(strings.TrimSpace(s), when{part: name})
		}
	}
	part("morning", "morning,in the morning,am morning,matin,matinée,ochtend,ochtends,morgens,vormittag,vormittags,früh,la mañana,de mañana,manhã,de manhã,pela manhã,mattina,mattino,rano,przed południem,sabah,sabahı,الصباح,صباحا,صباحاً,早上,上午,早晨,सुबह,subah")
	part("afternoon", "afternoon,après-midi,apres midi,aprem,middag,middags,nachmittag,nachmittags,la tarde,por la tarde,de tarde,esta tarde,à tarde,pela tarde,pomeriggio,po południu,popołudniu,öğleden sonra,öğlen,بعد الظهر,العصر,下午,दोपहर,dopahar")
	part("evening", "evening,tonight,soir,soirée,ce soir,avond,avonds,vanavond,abend,abends,la noche,por la noche,noche,noite,à noite,de noite,sera,stasera,serata,wieczorem,wieczór,akşam,akşamı,المساء,مساءا,مساءً,晚上,傍晚,今晚,शाम,shaam")
	part("night", "night,at night,nuit,nacht,nachts,madrugada,notte,stanotte,w nocy,nocą,gece,الليل,ليلا,بالليل,夜里,凌晨,深夜,रात,raat")
	// "tonight", "vanavond", "stasera", "今晚" are today as well.
	for _, s := range []string{"tonight", "ce soir", "vanavond", "stasera", "stanotte", "今晚"} {
		p.add(s, when{isDate: true, part: "evening"})
	}
	return p
}()

// greetingWords precede a part of the day in a greeting, which names no time:
// "good morning", "guten Morgen", "buenas noches", "iyi akşamlar".
var greetingWords = setOf("good goede goeie guten gute schonen buenas buenos boa bom buona buon dobry dobra dobranoc iyi")

// date returns the date w names, counted from now.
func (w when) date(now time.Time) string {
	d := now
	switch {
	case w.nextWeek:
		// Monday-based weeks: the weekday of the week after this one.
		offset := (int(now.Weekday()) + 6) % 7 // days since Monday
		monday := now.AddDate(0, 0, 7-offset)
		d = monday.AddDate(0, 0, (int(w.weekday)+6)%7)
	case w.isWeekday:
		ahead := (int(w.weekday) - int(now.Weekday()) + 7) % 7
		if ahead == 0 {
			ahead = 7 // "Friday", said on a Friday, is next week's
		}
		d = now.AddDate(0, 0, ahead)
	default:
		d = now.AddDate(0, 0, w.days)
	}
	return d.Format("2006-01-02")
}

var (
	// clockTime reads "14:40", "14h40", "14h", "9.30 Uhr", "14 Uhr".
	clockTime = regexp.MustCompile(`(?i)\b([01]?\d|2[0-3])(?:([:h])([0-5]\d)?|\.([0-5]\d)\s*uhr|\s*uhr)(?:\b|$)`)
	// twelveHour reads "2pm", "2 pm", "2:30 p.m.", "11am".
	twelveHour = regexp.MustCompile(`(?i)\b(1[0-2]|0?[1-9])(?::([0-5]\d))?\s?([ap])\.?m\b\.?`)
	// hanTime reads "3点", "14点半", "8点30分".
	hanTime = regexp.MustCompile(`(\d{1,2})[点點时](半|(\d{1,2})分)?`)
	// hanDate reads "3月12日", "3月12号".
	hanDate = regexp.MustCompile(`(\d{1,2})月(\d{1,2})[日号]`)
	// shortDate reads a day and month without a year: "12/03". Dots are
	// left alone: "1.5" is more often a weight than the first of May.
	shortDate = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})\b`)
)

// timeMatch is a clock time found in a message, normalised to HH:MM.
type timeMatch struct {
	span
	hhmm string
}

// findTimes returns the clock times of text.
func findTimes(text string) []timeMatch {
	var out []timeMatch
	for _, loc := range clockTime.FindAllStringSubmatchIndex(text, -1) {
		h, m := atoi(text, loc, 1), 0
		sep := ""
		if loc[4] >= 0 {
			sep = text[loc[4]:loc[5]]
		}
		switch {
		case loc[6] >= 0:
			m = atoi(text, loc, 3)
		case loc[8] >= 0:
			m = atoi(text, loc, 4)
		case sep == ":":
			continue // "14:" is no time
		}
		out = append(out, timeMatch{span{loc[0], loc[1]}, fmt.Sprintf("%02d:%02d", h, m)})
	}
	for _, loc := range twelveHour.FindAllStringSubmatchIndex(text, -1) {
		h, m := atoi(text, loc, 1), 0
		if loc[4] >= 0 {
			m = atoi(text, loc, 2)
		}
		pm := strings.EqualFold(text[loc[6]:loc[7]], "p")
		h %= 12
		if pm {
			h += 12
		}
		out = appendSpan(out, timeMatch{span{loc[0], loc[1]}, fmt.Sprintf("%02d:%02d", h, m)})
	}
	for _, loc := range hanTime.FindAllStringSubmatchIndex(text, -1) {
		h, m := atoi(text, loc, 1), 0
		if loc[4] >= 0 {
			if text[loc[4]:loc[5]] == "半" {
				m = 30
			} else {
				m = atoi(text, loc, 3)
			}
		}
		if h > 23 || m > 59 {
			continue
		}
		// "下午3点": the afternoon makes it 15:00.
		if h < 12 && (strings.HasSuffix(text[:loc[0]], "下午") || strings.HasSuffix(text[:loc[0]], "晚上")) {
			h += 12
		}
		out = appendSpan(out, timeMatch{span{loc[0], loc[1]}, fmt.Sprintf("%02d:%02d", h, m)})
	}
	return out
}

// appendSpan appends m unless it overlaps a match already found.
func appendSpan(out []timeMatch, m timeMatch) []timeMatch {
	for _, o := range out {
		if m.start < o.end && m.end > o.start {
			return out
		}
	}
	return append(out, m)
}

// findDatesWithoutYear returns "12 March", "le 5 mai", "3月12日" and "12/03"
// dates, read as the next such day from now. taken tells which spans are
// already dates with a year.
func findDatesWithoutYear(text string, now time.Time, taken func(s, e int) bool) []dateMatch {
	var out []dateMatch
	add := func(s, e, m, d int) {
		if taken(s, e) {
			return
		}
		for _, o := range out {
			if s < o.end && e > o.start {
				return
			}
		}
		y := now.Year()
		iso, ok := validDate(y, m, d)
		if ok && iso < now.Format("2006-01-02") {
			iso, ok = validDate(y+1, m, d)
		}
		if ok {
			out = append(out, dateMatch{span: span{s, e}, text: text[s:e], iso: iso})
		}
	}
	for _, loc := range dayMonthNoYear.FindAllStringSubmatchIndex(text, -1) {
		add(loc[0], loc[1], monthNames[fold(text[loc[4]:loc[5]])], atoi(text, loc, 1))
	}
	for _, loc := range monthDayNoYear.FindAllStringSubmatchIndex(text, -1) {
		add(loc[0], loc[1], monthNames[fold(text[loc[2]:loc[3]])], atoi(text, loc, 2))
	}
	for _, loc := range hanDate.FindAllStringSubmatchIndex(text, -1) {
		add(loc[0], loc[1], atoi(text, loc, 1), atoi(text, loc, 2))
	}
	for _, loc := range shortDate.FindAllStringSubmatchIndex(text, -1) {
		d, m := atoi(text, loc, 1), atoi(text, loc, 2)
		if m <= 12 {
			add(loc[0], loc[1], m, d)
		}
	}
	return out
}

var (
	dayMonthNoYear = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th|er|e|º|°|\.)?\s*(?:de\s+|of\s+)?(` + fullMonthPattern + `)\b\.?`)
	monthDayNoYear = regexp.MustCompile(`(?i)\b(` + fullMonthPattern + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b`)
)
