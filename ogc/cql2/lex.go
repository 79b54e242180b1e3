package cql2

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tokEOF    tokKind = iota
	tokIdent          // bare identifier or keyword
	tokQIdent         // double-quoted identifier (always a property)
	tokString         // single-quoted string, quotes removed and '' unescaped
	tokNumber         // numeric literal, text as written
	tokOp             // = <> < > <= >=
	tokLParen
	tokRParen
	tokComma
)

// token is one lexical token; pos is its 1-based character position.
type token struct {
	kind tokKind
	text string
	pos  int
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of filter"
	case tokString:
		return "string " + quoteString(t.text)
	case tokQIdent:
		return "property " + quoteIdent(t.text)
	case tokNumber:
		return "number " + t.text
	default:
		return `"` + t.text + `"`
	}
}

// lex splits s into tokens. The caller has bounded len(s), so the token
// slice is bounded too.
func lex(s string) ([]token, error) {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == 0 || r == utf8.RuneError && n == 1 {
				return nil, errorf(utf8.RuneCountInString(s[:i])+1, "invalid character (bad UTF-8 or NUL)")
			}
			i += n
		}
	}
	var toks []token
	i, pos := 0, 1 // byte offset, 1-based character position
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		start, startPos := i, pos
		// advance moves past the k bytes of s[i:] and counts their characters.
		advance := func(k int) {
			pos += utf8.RuneCountInString(s[i : i+k])
			i += k
		}
		switch {
		case unicode.IsSpace(r):
			advance(n)
			continue
		case r == '(' || r == ')' || r == ',':
			kind := tokComma
			if r == '(' {
				kind = tokLParen
			} else if r == ')' {
				kind = tokRParen
			}
			advance(1)
			toks = append(toks, token{kind, string(r), startPos})
			continue
		case r == '=' || r == '<' || r == '>':
			k := 1
			if i+1 < len(s) && (r == '<' && (s[i+1] == '>' || s[i+1] == '=') || r == '>' && s[i+1] == '=') {
				k = 2
			}
			advance(k)
			toks = append(toks, token{tokOp, s[start:i], startPos})
			continue
		case r == '\'' || r == '"':
			text, k, ok := scanQuoted(s[i:], byte(r))
			if !ok {
				what := "string"
				if r == '"' {
					what = "quoted identifier"
				}
				return nil, errorf(startPos, "unterminated %s", what)
			}
			advance(k)
			kind := tokString
			if r == '"' {
				kind = tokQIdent
				if text == "" {
					return nil, errorf(startPos, "empty quoted identifier")
				}
			}
			toks = append(toks, token{kind, text, startPos})
			continue
		case isDigit(r) || r == '.' || r == '-' || r == '+':
			k := scanNumber(s[i:])
			if k == 0 {
				return nil, errorf(startPos, "unexpected character %q", r)
			}
			if i+k < len(s) {
				if r2, _ := utf8.DecodeRuneInString(s[i+k:]); isIdentPart(r2) {
					return nil, errorf(startPos, "invalid number %q", s[i:i+k]+string(r2))
				}
			}
			advance(k)
			toks = append(toks, token{tokNumber, s[start:i], startPos})
			continue
		case isIdentStart(r):
			k := n
			for i+k < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[i+k:])
				if !isIdentPart(r2) {
					break
				}
				k += n2
			}
			advance(k)
			toks = append(toks, token{tokIdent, s[start:i], startPos})
			continue
		default:
			return nil, errorf(startPos, "unexpected character %q", r)
		}
	}
	return append(toks, token{tokEOF, "", pos}), nil
}

// scanQuoted reads a literal quoted by q at the start of s, where a doubled
// q stands for one. It returns the unescaped text and the bytes consumed.
func scanQuoted(s string, q byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}

// scanNumber returns the length of the number at the start of s:
// [+-] (digits [. digits] | . digits) [(e|E) [+-] digits], or 0.
func scanNumber(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	mant := digits()
	if i < len(s) && s[i] == '.' {
		i++
		mant += digits()
	}
	if mant == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return j // "1e" is the number 1 followed by the identifier e
		}
	}
	return i
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isIdentStart(r rune) bool { return r == '_' || r == ':' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '.' || unicode.IsDigit(r)
}
