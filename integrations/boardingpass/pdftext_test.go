package boardingpass_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A minimal reader of the PDFs fpdf writes, so that the tests need no outside tool:
// it inflates the content streams and collects the string operands of Tj, converting
// them from Windows-1252 (the core fonts' WinAnsiEncoding) to UTF-8.

var (
	streamRE = regexp.MustCompile(`(?s)<<(.*?)>>\s*stream\r?\n`)
	tjRE     = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\)\s*Tj`)
	pageRE   = regexp.MustCompile(`/Type\s*/Page\b[^s]`)
)

// pdfPages counts the page objects.
func pdfPages(pdf []byte) int { return len(pageRE.FindAll(pdf, -1)) }

// pdfText returns the text runs of every content stream, in drawing order.
func pdfText(t *testing.T, pdf []byte) []string {
	t.Helper()
	var runs []string
	for _, m := range streamRE.FindAllSubmatchIndex(pdf, -1) {
		dict := string(pdf[m[2]:m[3]])
		if strings.Contains(dict, "/Subtype /Image") {
			continue
		}
		start := m[1]
		end := bytes.Index(pdf[start:], []byte("endstream"))
		if end < 0 {
			t.Fatal("pdf: stream without endstream")
		}
		data := pdf[start : start+end]
		if strings.Contains(dict, "/FlateDecode") {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("pdf: inflate stream: %v", err)
			}
			// fpdf ends a stream with a newline that is not part of the data, so a
			// trailing-data error after the zlib checksum is expected.
			inflated, err := io.ReadAll(zr)
			if err != nil && len(inflated) == 0 {
				t.Fatalf("pdf: inflate stream: %v", err)
			}
			data = inflated
		}
		for _, tj := range tjRE.FindAllSubmatch(data, -1) {
			runs = append(runs, fromWinAnsi(unescapePDF(tj[1])))
		}
	}
	return runs
}

// unescapePDF undoes the escapes of a PDF literal string.
func unescapePDF(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(b) && j < i+3 && b[j] >= '0' && b[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(string(b[i:j]), 8, 8)
			out = append(out, byte(n))
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

// winAnsi80 maps Windows-1252 bytes 0x80-0x9F; 0xA0-0xFF equal Latin-1.
var winAnsi80 = [32]rune{
	'€', '\ufffd', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\ufffd', 'Ž', '\ufffd',
	'\ufffd', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\ufffd', 'ž', 'Ÿ',
}

func fromWinAnsi(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(winAnsi80[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}
